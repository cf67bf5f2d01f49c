"""IAM evaluation of role sessions in a world, through real requests: a deny on the
attacker's address, on the requested region, session policies passed to AssumeRole and
permissions boundaries all take effect as in AWS; accounts without a world keep moto's
behaviour.

AWS: "Policy evaluation logic" and the example "Denies access to AWS based on the source
IP" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from labguide.sim import instance_credentials

WORKSHOP_APIS = ["GetObject", "ListBuckets", "DescribeTrails", "DeleteBucket",
                 "DeleteAccountPasswordPolicy"]


def learner(world, service, endpoint_url=None):
    return boto3.client(service, region_name=world.region, endpoint_url=endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def put_deny(world, condition, name="deny-condition", endpoint_url=None, action="*"):
    learner(world, "iam", endpoint_url).put_role_policy(
        RoleName=world.truth.role_name, PolicyName=name,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Action": action, "Resource": "*", "Condition": condition}]}))


def assumed_s3(world, session_name, **extra):
    """An S3 client on a session of the world's role from AssumeRole(**extra)."""
    got = learner(world, "sts").assume_role(RoleArn=world.truth.role_arn,
                                            RoleSessionName=session_name, **extra)
    credentials = got["Credentials"]
    return boto3.client("s3", region_name=world.region,
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def last_round(world):
    return [(c.api, c.error_code) for c in world.attacker.recent_calls()[-5:]]


def access_finding(world):
    guardduty = learner(world, "guardduty")
    ids = guardduty.list_findings(DetectorId=world.truth.detector_id)["FindingIds"]
    for finding in guardduty.get_findings(DetectorId=world.truth.detector_id,
                                          FindingIds=ids)["Findings"]:
        if finding["Type"].startswith("UnauthorizedAccess"):
            return finding["Service"]


def test_a_deny_on_the_attackers_ip_stops_it_and_nothing_else(moto_in_process,
                                                               build_theft_world):
    world = build_theft_world()
    assert last_round(world)[0] == ("GetObject", None)
    put_deny(world, {"IpAddress": {"aws:SourceIp": f"{world.truth.attacker_ip}/32"}})
    world.advance(120)
    assert last_round(world) == [(api, "AccessDenied") for api in WORKSHOP_APIS]
    assert access_finding(world)["Action"]["AwsApiCallAction"]["ErrorCode"] == "AccessDenied"
    assert world.app.health == "healthy"  # the instance's own calls come from elsewhere
    # The deny is explicit, as AWS words it.
    from labguide.sim.iam_revocation.models import judge

    decision = judge(world.truth.stolen_access_key_id, "s3:GetObject", "*",
                     world.clock.now(), source_ip=world.truth.attacker_ip)
    assert decision.explicit_deny
    assert decision.message.endswith("with an explicit deny in an identity-based policy")


def test_a_deny_on_another_address_leaves_the_attacker_alone(moto_in_process,
                                                            build_theft_world):
    """Negative control: the same policy on an address that is not the attacker's."""
    world = build_theft_world()
    put_deny(world, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    world.advance(120)
    assert last_round(world)[0] == ("GetObject", None)


def test_a_deny_outside_an_allowed_range_covers_the_attacker(moto_in_process,
                                                            build_theft_world):
    world = build_theft_world()
    put_deny(world, {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/16"]}})
    world.advance(120)
    assert last_round(world)[0] == ("GetObject", "AccessDenied")


def test_a_deny_on_the_requested_region(moto_in_process, build_theft_world):
    world = build_theft_world()
    put_deny(world, {"StringEquals": {"aws:RequestedRegion": world.region}},
             action=["s3:*"])
    world.advance(120)
    assert last_round(world)[0] == ("GetObject", "AccessDenied")
    put_deny(world, {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, action=["s3:*"])
    world.advance(120)
    assert last_round(world)[0] == ("GetObject", None)


def _instance_s3(world, endpoint_url=None):
    held = instance_credentials.current(world.account_id, world.truth.instance_id)
    return boto3.client("s3", region_name=world.region, endpoint_url=endpoint_url,
                        aws_access_key_id=held.access_key_id,
                        aws_secret_access_key=held.secret_access_key,
                        aws_session_token=held.session_token)


def _code(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def test_source_ip_of_a_served_request_is_its_peer(served_theft_world, theft_server):
    world = served_theft_world()
    url = theft_server.endpoint_url
    s3 = _instance_s3(world, url)
    put_deny(world, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, endpoint_url=url)
    s3.get_object(Bucket=world.truth.data_bucket, Key="config.py")
    put_deny(world, {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}, name="loopback",
             endpoint_url=url)
    error = _code(lambda: s3.get_object(Bucket=world.truth.data_bucket, Key="config.py"))
    assert error["Code"] == "AccessDenied" and "explicit deny" in error["Message"]


def test_a_permissions_boundary_limits_the_role(moto_in_process, build_theft_world):
    world = build_theft_world()
    iam = learner(world, "iam")
    boundary = iam.create_policy(PolicyName="only-ssm", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}))
    s3 = _instance_s3(world)
    s3.get_object(Bucket=world.truth.data_bucket, Key="config.py")
    iam.put_role_permissions_boundary(RoleName=world.truth.role_name,
                                      PermissionsBoundary=boundary["Policy"]["Arn"])
    error = _code(lambda: s3.get_object(Bucket=world.truth.data_bucket, Key="config.py"))
    assert error["Message"].endswith(
        "because no permissions boundary allows the s3:GetObject action")
    iam.delete_role_permissions_boundary(RoleName=world.truth.role_name)
    s3.get_object(Bucket=world.truth.data_bucket, Key="config.py")


def test_a_session_policy_passed_to_assume_role_limits_the_session(moto_in_process,
                                                                   build_theft_world):
    world = build_theft_world()
    only_get = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{world.truth.data_bucket}/*"}]}

    def client(**extra):
        return assumed_s3(world, "limited", **extra)

    limited = client(Policy=json.dumps(only_get))
    limited.get_object(Bucket=world.truth.data_bucket, Key="config.py")
    error = _code(lambda: limited.list_objects_v2(Bucket=world.truth.data_bucket))
    assert error["Message"].endswith("because no session policy allows the s3:ListBucket action")
    client().list_objects_v2(Bucket=world.truth.data_bucket)  # without one: the role's rights


def test_managed_session_policies_passed_as_policy_arns_limit_the_session(
        moto_in_process, build_theft_world):
    """AssumeRole's PolicyArns are managed session policies: the session may do only what
    both the role's policies and a session policy allow (AWS STS API reference,
    AssumeRole "PolicyArns"; IAM User Guide "Session policies",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session).
    moto drops PolicyArns; without the extension the limited session could list."""
    world = build_theft_world()
    iam = learner(world, "iam")
    only_get = iam.create_policy(PolicyName="only-get", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{world.truth.data_bucket}/*"}]}))["Policy"]["Arn"]

    def client(**extra):
        return assumed_s3(world, "managed", **extra)

    limited = client(PolicyArns=[{"arn": only_get}])
    limited.get_object(Bucket=world.truth.data_bucket, Key="config.py")
    error = _code(lambda: limited.list_objects_v2(Bucket=world.truth.data_bucket))
    assert error["Message"].endswith("because no session policy allows the s3:ListBucket action")
    client().list_objects_v2(Bucket=world.truth.data_bucket)  # without: the role's rights
    # The inline Policy and PolicyArns together: either may allow (both are session policies).
    both = client(PolicyArns=[{"arn": only_get}], Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{world.truth.data_bucket}"}]}))
    both.list_objects_v2(Bucket=world.truth.data_bucket)
    both.get_object(Bucket=world.truth.data_bucket, Key="config.py")


def test_accounts_without_a_world_keep_motos_behaviour(moto_in_process):
    """Negative control: AssumeRole in a plain moto account is not judged by labguide
    (moto's own authorization is off by default, and moto's tests rely on it)."""
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="plain", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))["Role"]
    got = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=role["Arn"], RoleSessionName="plain-session", DurationSeconds=900)["Credentials"]
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id=got["AccessKeyId"],
                      aws_secret_access_key=got["SecretAccessKey"],
                      aws_session_token=got["SessionToken"])
    assert s3.list_buckets()["Buckets"] == []
