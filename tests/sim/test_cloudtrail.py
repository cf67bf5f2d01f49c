"""CloudTrail event history and LookupEvents, through the real AWS CLI and boto3.

AWS references (what each test holds the simulator to):
- LookupEvents: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
  (one lookup attribute at most; keys EventId, EventName, ReadOnly, Username, ResourceType,
  ResourceName, EventSource, AccessKeyId; MaxResults 1-50, default 50; NextToken; the last
  90 days; InvalidLookupAttributes/InvalidMaxResults/InvalidNextToken/InvalidTimeRange errors).
- Record contents (eventVersion 1.11, userIdentity, errorCode, readOnly, eventCategory):
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
- userIdentity of an assumed role (sessionContext.sessionIssuer, attributes.creationDate):
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
- Event history holds no data events (S3 GetObject):
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
- IAM is a global service: its events are in us-east-1:
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events
"""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.sim.awscli import aws_cli


def _trail(world, endpoint_url, region=None):
    return boto3.client("cloudtrail", region_name=region or world.region,
                        endpoint_url=endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def _by_key(world, endpoint_url, key, *extra):
    answer = aws_cli(world, endpoint_url, "cloudtrail", "lookup-events", "--lookup-attributes",
                     f"AttributeKey=AccessKeyId,AttributeValue={key}", *extra)
    return answer["Events"]


def test_the_attackers_management_calls_are_in_event_history(served_theft_world,
                                                              theft_server):
    world = served_theft_world()
    url = theft_server.endpoint_url
    stolen = world.truth.stolen_access_key_id
    events = _by_key(world, url, stolen)
    names = [e["EventName"] for e in events]
    # Every round so far; GetObject is a data event and never in event history;
    # DeleteAccountPasswordPolicy (IAM) is in us-east-1's history, not this Region's.
    rounds = len(world.attacker.recent_calls()) // 5
    assert rounds >= 3
    assert names == ["DeleteBucket", "DescribeTrails", "ListBuckets"] * rounds
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)  # newest first
    record = json.loads(events[0]["CloudTrailEvent"])
    identity = record["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["accessKeyId"] == stolen
    assert identity["arn"] == (f"arn:aws:sts::{world.account_id}:assumed-role/"
                               f"{world.truth.role_name}/{world.truth.instance_id}")
    assert identity["principalId"] == f"{world.truth.role_id}:{world.truth.instance_id}"
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert issuer == {"type": "Role", "principalId": world.truth.role_id,
                      "arn": world.truth.role_arn, "accountId": world.account_id,
                      "userName": world.truth.role_name}
    assert identity["sessionContext"]["attributes"]["creationDate"] == \
        world.truth.stolen_session_issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert record["eventVersion"] == "1.11"
    assert record["sourceIPAddress"] == world.truth.attacker_ip
    assert record["eventSource"] == "s3.amazonaws.com" and record["awsRegion"] == world.region
    assert record["errorCode"] == "AccessDenied" and "s3:DeleteBucket" in record["errorMessage"]
    assert record["readOnly"] is False and record["eventCategory"] == "Management"
    assert record["requestParameters"]["bucketName"] == world.truth.logs_bucket
    assert events[0]["Username"] == world.truth.instance_id
    assert events[0]["Resources"] == [{"ResourceType": "AWS::S3::Bucket",
                                       "ResourceName": world.truth.logs_bucket}]
    # Each event's error is the attacker's own answer (its pane's Result column).
    made = {(c.at.timestamp(), c.api): c.error_code for c in world.attacker.recent_calls()}
    for event in events:
        written = json.loads(event["CloudTrailEvent"])
        assert written.get("errorCode") == made[(event["EventTime"], event["EventName"])]
        assert written["readOnly"] is (event["EventName"] != "DeleteBucket")
    assert len({e["EventId"] for e in events}) == len(events)

    iam_events = _by_key(world, url, stolen, "--region", "us-east-1")
    assert [e["EventName"] for e in iam_events] == ["DeleteAccountPasswordPolicy"] * rounds
    assert json.loads(iam_events[0]["CloudTrailEvent"])["awsRegion"] == "us-east-1"

    # Negative control: another key's lookup shows none of the attacker's calls.
    assert all(e["AccessKeyId"] != stolen
               for e in _by_key(world, url, world.learner.access_key_id))


def test_the_learners_calls_are_recorded_with_their_identity_and_resources(
        served_theft_world, theft_server):
    world = served_theft_world()
    url = theft_server.endpoint_url
    instance = world.truth.instance_id
    aws_cli(world, url, "ec2", "stop-instances", "--instance-ids", instance)
    with pytest.raises(AssertionError):  # a failing call is recorded with its error
        aws_cli(world, url, "ec2", "describe-instances", "--instance-ids", "i-0123456789abcdef0")
    events = aws_cli(world, url, "cloudtrail", "lookup-events", "--lookup-attributes",
                     f"AttributeKey=ResourceName,AttributeValue={instance}")["Events"]
    assert [e["EventName"] for e in events] == ["StopInstances"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["userIdentity"]["type"] == "IAMUser"
    assert record["userIdentity"]["userName"] == world.truth.learner_user_name
    assert record["userIdentity"]["accessKeyId"] == world.learner.access_key_id
    assert record["userAgent"].startswith("aws-cli/")
    assert record["requestParameters"]["instanceId"] == [instance]
    assert events[0]["Username"] == world.truth.learner_user_name

    failed = aws_cli(world, url, "cloudtrail", "lookup-events", "--lookup-attributes",
                     "AttributeKey=EventName,AttributeValue=DescribeInstances")["Events"]
    errors = [json.loads(e["CloudTrailEvent"]).get("errorCode") for e in failed]
    assert "Client.InvalidInstanceID.NotFound" in errors

    writes = aws_cli(world, url, "cloudtrail", "lookup-events", "--lookup-attributes",
                     "AttributeKey=ReadOnly,AttributeValue=false")["Events"]
    assert "StopInstances" in {e["EventName"] for e in writes}
    assert all(e["ReadOnly"] == "false" for e in writes)
    by_source = aws_cli(world, url, "cloudtrail", "lookup-events", "--lookup-attributes",
                        "AttributeKey=EventSource,AttributeValue=ec2.amazonaws.com")["Events"]
    assert by_source and all(e["EventSource"] == "ec2.amazonaws.com" for e in by_source)
    by_user = aws_cli(world, url, "cloudtrail", "lookup-events", "--lookup-attributes",
                      f"AttributeKey=Username,AttributeValue={world.truth.learner_user_name}")
    assert "StopInstances" in {e["EventName"] for e in by_user["Events"]}


def test_paging_and_time_range(served_theft_world, theft_server):
    world = served_theft_world()
    url = theft_server.endpoint_url
    client = _trail(world, url)
    attribute = [{"AttributeKey": "AccessKeyId",
                  "AttributeValue": world.truth.stolen_access_key_id}]
    pages, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        answer = client.lookup_events(LookupAttributes=attribute, MaxResults=4, **kwargs)
        pages.append([e["EventId"] for e in answer["Events"]])
        token = answer.get("NextToken")
        if not token:
            break
    events = 3 * (len(world.attacker.recent_calls()) // 5)  # 3 management calls a round
    assert [len(p) for p in pages] == [4] * (events // 4) + ([events % 4] if events % 4 else [])
    assert len(pages) >= 3
    everything = client.lookup_events(LookupAttributes=attribute)["Events"]
    assert sum(pages, []) == [e["EventId"] for e in everything]
    # The CLI pages by itself (--page-size) and gives the same events.
    cli = _by_key(world, url, world.truth.stolen_access_key_id, "--page-size", "2")
    assert [e["EventId"] for e in cli] == [e["EventId"] for e in everything]

    last_round = world.attacker.recent_calls()[-1].at - timedelta(seconds=30)
    recent = client.lookup_events(LookupAttributes=attribute, StartTime=last_round)["Events"]
    assert len(recent) == 3
    older = client.lookup_events(LookupAttributes=attribute, EndTime=last_round)["Events"]
    assert len(older) == events - 3


@pytest.mark.parametrize("kwargs, code", [
    ({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "A"},
                           {"AttributeKey": "EventName", "AttributeValue": "B"}]},
     "InvalidLookupAttributesException"),
    ({"MaxResults": 51}, "InvalidMaxResultsException"),
    ({"NextToken": "not-a-token"}, "InvalidNextTokenException"),
    ({"StartTime": 2_000_000_000, "EndTime": 1_900_000_000}, "InvalidTimeRangeException"),
])
def test_invalid_lookups_are_refused_as_aws_refuses_them(served_theft_world, theft_server,
                                                         kwargs, code):
    world = served_theft_world()
    with pytest.raises(ClientError) as caught:
        _trail(world, theft_server.endpoint_url).lookup_events(**kwargs)
    assert caught.value.response["Error"]["Code"] == code


def test_a_token_is_only_good_for_the_same_lookup(served_theft_world, theft_server):
    world = served_theft_world()
    client = _trail(world, theft_server.endpoint_url)
    token = client.lookup_events(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as caught:
        client.lookup_events(MaxResults=1, NextToken=token, LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "ListBuckets"}])
    assert caught.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_calls_in_process_are_recorded_too(moto_in_process, build_theft_world):
    world = build_theft_world()
    kwargs = dict(region_name=world.region, aws_access_key_id=world.learner.access_key_id,
                  aws_secret_access_key=world.learner.secret_access_key)
    boto3.client("guardduty", **kwargs).list_detectors()
    events = boto3.client("cloudtrail", **kwargs).lookup_events(LookupAttributes=[
        {"AttributeKey": "EventSource", "AttributeValue": "guardduty.amazonaws.com"}])["Events"]
    assert [e["EventName"] for e in events] == ["ListDetectors"]
