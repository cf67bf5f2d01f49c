"""The iam-credential-theft world: the workshop's resources and names, the findings of the
first minutes, the learner's keys, determinism and isolation between accounts."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from labguide.errors import UserError
from labguide.sim import instance_credentials
from labguide.sim.guardduty.models import PUBLICATION_DELAY
from labguide.sim.worlds import build_world

UNAUTHORIZED = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
RECON = "Recon:IAMUser/MaliciousIPCaller.Custom"


def learner(world, service, endpoint_url=None):
    return boto3.client(service, region_name=world.region, endpoint_url=endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def findings_of(world, endpoint_url=None, criteria=None):
    guardduty = learner(world, "guardduty", endpoint_url)
    ids = guardduty.list_findings(DetectorId=world.truth.detector_id,
                                  FindingCriteria=criteria or {})["FindingIds"]
    if not ids:
        return []
    return guardduty.get_findings(DetectorId=world.truth.detector_id,
                                  FindingIds=ids)["Findings"]


def _check_world_facts(world, endpoint_url=None):
    truth = world.truth
    ec2 = learner(world, "ec2", endpoint_url)
    instances = {
        i["InstanceId"]: i
        for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    }
    compromised = instances[truth.instance_id]
    tags = {t["Key"]: t["Value"] for t in compromised["Tags"]}
    assert tags["Name"] == "threat-detection-wksp: Compromised Instance"
    assert tags["Service"] == "threat-detection-wksp"
    assert tags["app-health"] == "healthy"
    assert compromised["InstanceType"] == "m5.large"
    assert compromised["PrivateIpAddress"] == "10.0.0.15"
    assert compromised["IamInstanceProfile"]["Arn"] == truth.instance_profile_arn
    assert compromised["State"]["Name"] == "running"
    vpc = ec2.describe_vpcs(VpcIds=[compromised["VpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    subnet = ec2.describe_subnets(SubnetIds=[compromised["SubnetId"]])["Subnets"][0]
    assert subnet["CidrBlock"] == "10.0.0.0/24"
    attacker = instances[truth.attacker_instance_id]
    assert {t["Key"]: t["Value"] for t in attacker["Tags"]}["Name"] == \
        "threat-detection-wksp: Malicious Host"
    address = ec2.describe_addresses(PublicIps=[truth.attacker_ip])["Addresses"][0]
    assert address["InstanceId"] == truth.attacker_instance_id

    iam = learner(world, "iam", endpoint_url)
    role = iam.get_role(RoleName="threat-detection-wksp-compromised-ec2")["Role"]
    assert role["RoleId"].startswith("AROA") and role["Arn"] == truth.role_arn
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [
        "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"]
    assert iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    profile = iam.get_instance_profile(
        InstanceProfileName="threat-detection-wksp-compromised-ec2-profile")["InstanceProfile"]
    assert profile["InstanceProfileId"].startswith("AIPA")
    assert [r["RoleName"] for r in profile["Roles"]] == [role["RoleName"]]

    s3 = learner(world, "s3", endpoint_url)
    prefix = f"threat-detection-wksp-{world.account_id}-{world.region}"
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {f"{prefix}-logs", f"{prefix}-data", f"{prefix}-gd-threatlist"} <= names
    threat_list = s3.get_object(Bucket=f"{prefix}-gd-threatlist", Key="threatlist.txt")
    assert threat_list["Body"].read().decode().strip() == truth.attacker_ip
    trails = learner(world, "cloudtrail", endpoint_url).describe_trails()["trailList"]
    assert [t["Name"] for t in trails] == ["threat-detection-wksp-trail"]
    topics = learner(world, "sns", endpoint_url).list_topics()["Topics"]
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in topics] == ["threat-detection-wksp"]

    guardduty = learner(world, "guardduty", endpoint_url)
    assert guardduty.list_detectors()["DetectorIds"] == [truth.detector_id]
    sets = guardduty.list_threat_intel_sets(DetectorId=truth.detector_id)["ThreatIntelSetIds"]
    threat_set = guardduty.get_threat_intel_set(DetectorId=truth.detector_id,
                                                ThreatIntelSetId=sets[0])
    assert threat_set["Name"].startswith("Custom-Threat-List-")
    assert (threat_set["Format"], threat_set["Status"]) == ("TXT", "ACTIVE")

    findings = findings_of(world, endpoint_url)
    assert sorted(f["Type"] for f in findings) == [RECON, UNAUTHORIZED]
    for finding in findings:
        details = finding["Resource"]["AccessKeyDetails"]
        assert details["AccessKeyId"] == truth.stolen_access_key_id
        assert details["AccessKeyId"].startswith("ASIA")
        assert details["PrincipalId"] == f"{role['RoleId']}:{truth.instance_id}"
        assert details["UserName"] == role["RoleName"]
        assert details["UserType"] == "AssumedRole"
        assert finding["Resource"]["InstanceDetails"]["IamInstanceProfile"] == {
            "Arn": truth.instance_profile_arn, "Id": profile["InstanceProfileId"]}
        action = finding["Service"]["Action"]["AwsApiCallAction"]
        assert action["RemoteIpDetails"]["IpAddressV4"] == truth.attacker_ip
        assert finding["Service"]["Count"] >= 3
        assert finding["Service"]["EventFirstSeen"] == truth.first_attack_at.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")

    by_key = findings_of(world, endpoint_url, {"Criterion": {
        "resource.accessKeyDetails.accessKeyId": {"Eq": [truth.stolen_access_key_id]}}})
    assert len(by_key) == 2

    identity = learner(world, "sts", endpoint_url).get_caller_identity()
    assert identity["Account"] == world.account_id
    assert identity["Arn"].endswith(f":user/{truth.learner_user_name}")
    health = learner(world, "ssm", endpoint_url).get_parameter(
        Name="/threat-detection-wksp/app/health")
    assert health["Parameter"]["Value"] == "healthy"


def test_world_facts_in_process(moto_in_process, build_theft_world):
    _check_world_facts(build_theft_world())


def test_world_facts_on_a_server(served_theft_world, theft_server):
    _check_world_facts(served_theft_world(), theft_server.endpoint_url)


def test_timeline_and_the_stolen_session(moto_in_process, build_theft_world):
    world = build_theft_world()
    truth = world.truth
    epoch = truth.stolen_session_issued_at
    assert truth.first_attack_at == epoch + timedelta(minutes=5)
    # "now": three rounds later, once GuardDuty has published them
    assert world.clock.now() - truth.first_attack_at < timedelta(minutes=5, seconds=5) + \
        PUBLICATION_DELAY
    held = instance_credentials.current(world.account_id, truth.instance_id)
    assert held.access_key_id == truth.stolen_access_key_id
    assert held.session.session_name == truth.instance_id
    assert held.expiration == epoch + timedelta(hours=6)
    calls = world.attacker.recent_calls()
    assert [c.at for c in calls[::5]] == [truth.first_attack_at + timedelta(minutes=2 * i)
                                          for i in range(len(calls) // 5)]
    assert len(calls) // 5 >= 3  # the three rounds GuardDuty has published, and any since
    assert {c.api for c in calls} == {"GetObject", "ListBuckets", "DescribeTrails",
                                      "DeleteBucket", "DeleteAccountPasswordPolicy"}


def _fingerprint(world):
    findings = sorted((f["Id"], f["Service"]["Count"], f["Service"]["EventLastSeen"])
                      for f in findings_of(world))
    held = instance_credentials.current(world.account_id, world.truth.instance_id)
    return (world.truth, world.learner, held.secret_access_key, held.session_token, findings)


def test_same_seed_and_epoch_give_the_same_world(monkeypatch, build_theft_world):
    from moto import mock_aws

    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    prints = []
    for seed in (7, 7, 8):
        with mock_aws():
            prints.append(_fingerprint(build_theft_world(seed=seed, account_id="123456789012")))
    assert prints[0] == prints[1]
    assert prints[0][0].stolen_access_key_id != prints[2][0].stolen_access_key_id
    assert prints[0][1] != prints[2][1]


def test_two_worlds_in_two_accounts_are_isolated(moto_in_process, build_theft_world):
    first, second = build_theft_world(), build_theft_world()
    assert first.account_id != second.account_id
    assert first.truth.stolen_access_key_id != second.truth.stolen_access_key_id
    for world, other in ((first, second), (second, first)):
        assert learner(world, "sts").get_caller_identity()["Account"] == world.account_id
        keys = {f["Resource"]["AccessKeyDetails"]["AccessKeyId"] for f in findings_of(world)}
        assert keys == {world.truth.stolen_access_key_id}
        assert learner(world, "guardduty").list_detectors()["DetectorIds"] == \
            [world.truth.detector_id]
        buckets = {b["Name"] for b in learner(world, "s3").list_buckets()["Buckets"]}
        assert not any(other.account_id in name for name in buckets)
    # Revoking in one account does not touch the other's attacker.
    import json

    learner(first, "iam").put_role_policy(
        RoleName=first.truth.role_name, PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {
                "aws:TokenIssueTime": "2099-01-01T00:00:00Z"}}}]}))
    first.advance(120)
    second.advance(120)
    assert first.attacker.recent_calls()[-5].error_code == "AccessDenied"
    assert second.attacker.recent_calls()[-5].allowed  # GetObject still works there


def test_params_override_the_workshop_names(moto_in_process, build_theft_world):
    world = build_theft_world({"prefix": "lab", "attack_interval_seconds": 60,
                               "instance_name": "lab: victim"})
    assert world.truth.role_name == "lab-compromised-ec2"
    assert world.truth.instance_profile_name == "lab-compromised-ec2-profile"
    assert world.truth.instance_name == "lab: victim"
    assert world.truth.data_bucket == f"lab-{world.account_id}-{world.region}-data"
    calls = world.attacker.recent_calls()
    assert calls[5].at - calls[0].at == timedelta(seconds=60)


@pytest.mark.parametrize("params, message", [
    ({"instance_nmae": "x"}, "unknown params instance_nmae"),
    ({"attack_interval_seconds": 0}, "attack_interval_seconds must be a positive integer"),
    ({"finding_types": []}, "finding_types"),
])
def test_bad_params_are_user_errors(params, message):
    with pytest.raises(UserError, match=message):
        build_world("iam-credential-theft", params, account_id="123456789012",
                    region="ap-southeast-2")


def test_unknown_world_is_a_user_error():
    with pytest.raises(UserError, match="unknown world 'nope'"):
        build_world("nope", {}, account_id="123456789012", region="ap-southeast-2")


def test_the_bundled_scenario_params_build(moto_in_process, build_theft_world):
    from labguide.scenario import load_scenario

    scenario = load_scenario("compromised-iam-credentials").scenario
    world = build_theft_world(dict(scenario.world.params))
    assert world.truth.instance_name == "threat-detection-wksp: Compromised Instance"
    assert set(world.truth.finding_types) == {UNAUTHORIZED, RECON}
