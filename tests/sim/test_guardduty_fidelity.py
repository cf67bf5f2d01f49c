"""GuardDuty API-call findings field by field against botocore's Finding shape and AWS's
documentation of the finding format.

Sources, newest AWS documentation first:
- Finding details / format: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html
  (featureName = the data source, "CloudTrail" for management-event findings;
  threatIntelligenceDetails with threatListName and threatNames).
- The shapes (AwsApiCallAction.AffectedResources a map, Service.AdditionalInfo
  {Value, Type}, Service.FeatureName): botocore's guardduty service model, read below.
- Network interface fields of instanceDetails (networkInterfaceId, privateDnsName,
  privateIpAddress, publicIp, securityGroups, subnetId, vpcId) as in public sample
  findings (e.g. GuardDuty sample findings quoted in github.com/awslabs projects); where a
  sample and the current documentation disagree, the documentation is followed.
GuardDuty's publication delay (createdAt/updatedAt later than eventFirstSeen/eventLastSeen)
and the comparison with public findings of the same types: tests/sim/test_guardduty_samples.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import botocore.session

from tests.sim.conftest import ATTACKER_IP, FINDING_UNAUTHORIZED


def _shape():
    return botocore.session.get_session().get_service_model("guardduty").shape_for("Finding")


def _unknown_keys(value, shape, path="finding"):
    """Keys of `value` that botocore's shape does not have (wire names), recursively."""
    problems = []
    if shape.type_name == "structure":
        members = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        for key, item in value.items():
            if key not in members:
                problems.append(f"{path}.{key}")
            else:
                problems += _unknown_keys(item, members[key], f"{path}.{key}")
    elif shape.type_name == "list":
        for index, item in enumerate(value):
            problems += _unknown_keys(item, shape.member, f"{path}[{index}]")
    elif shape.type_name == "map":
        assert isinstance(value, dict), path
    return problems


def _finding(world):
    return next(f for f in world.guardduty.visible_findings(now=world.clock.now())
                if f["type"] == FINDING_UNAUTHORIZED)


def test_every_field_is_a_field_of_botocores_finding(fixture_world_factory):
    world = fixture_world_factory()
    world.advance(600)
    finding = _finding(world)
    assert _unknown_keys(finding, _shape()) == []


def test_api_call_findings_carry_the_fields_guardduty_writes(fixture_world_factory):
    world = fixture_world_factory()
    world.advance(600)
    finding = _finding(world)
    service = finding["service"]
    assert service["featureName"] == "CloudTrail"
    intel = service["evidence"]["threatIntelligenceDetails"]
    assert intel == [{"threatListName": "Custom-Threat-List-fixture", "threatNames": []}]
    info = service["additionalInfo"]
    assert info["type"] == "default"
    value = json.loads(info["value"])
    assert value["threatListName"] == "Custom-Threat-List-fixture"
    counted = {c["name"]: c["count"] for c in value["apiCalls"]}
    # Every call the finding aggregates is listed, and the counts add up to its count.
    assert sum(counted.values()) == service["count"]
    assert set(counted) <= {"GetObject", "DeleteBucket", "DeleteAccountPasswordPolicy"}
    action = service["action"]["awsApiCallAction"]
    assert isinstance(action["affectedResources"], dict)
    assert action["remoteIpDetails"]["ipAddressV4"] == ATTACKER_IP
    # Negative control: one more call moves the count and the last-seen of that API only.
    before = {c["name"]: c for c in value["apiCalls"]}
    world.advance(timedelta(minutes=10).total_seconds())
    after = {c["name"]: c for c in json.loads(_finding(world)["service"]["additionalInfo"][
        "value"])["apiCalls"]}
    assert sum(c["count"] for c in after.values()) > sum(c["count"] for c in before.values())
    for name, entry in before.items():
        assert after[name]["firstSeen"] == entry["firstSeen"]


def test_the_theft_worlds_findings_name_the_bucket_and_the_instance_zone(
        moto_in_process, build_theft_world):
    world = build_theft_world()
    from labguide.sim.guardduty.models import guardduty_backends

    findings = guardduty_backends[world.account_id][world.region].visible_findings()
    unauthorized = next(f for f in findings if f["type"].startswith("UnauthorizedAccess"))
    assert _unknown_keys(unauthorized, _shape()) == []
    action = unauthorized["service"]["action"]["awsApiCallAction"]
    if action["api"] == "DeleteBucket":
        assert action["affectedResources"] == {
            "AWS::S3::Bucket": f"arn:aws:s3:::{world.truth.logs_bucket}"}
    details = unauthorized["resource"]["instanceDetails"]
    assert details["availabilityZone"] == f"{world.region}a"
    nic = details["networkInterfaces"][0]
    assert {"networkInterfaceId", "privateIpAddress", "subnetId", "vpcId"} <= set(nic)
