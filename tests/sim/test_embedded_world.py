"""The embedded simulator with the real iam-credential-theft world: respond, stop, resume."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3

from labguide.scenario import load_scenario
from labguide.sim.embedded import start_embedded

# Recent enough that the world lives its whole timeline (a resumed world skips what is
# more than an hour old; tests/sim/test_embedded_clock.py covers that).
EPOCH = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)


def _client(sim, service):
    world = sim.world
    return boto3.client(service, region_name=world.region, endpoint_url=sim.endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def test_the_learners_response_survives_a_restart(tmp_path):
    scenario = load_scenario("compromised-iam-credentials").scenario
    world_name, params, region = scenario.world.name, dict(scenario.world.params), scenario.region
    journal = tmp_path / "sim.journal"
    sim = start_embedded(world_name, params, region, seed=7, epoch=EPOCH, journal=journal,
                         realtime=False)
    try:
        truth = sim.world.truth
        sim.world.advance(600)
        gd, iam, ec2 = (_client(sim, s) for s in ("guardduty", "iam", "ec2"))
        key_filter = {"Criterion": {"resource.accessKeyDetails.accessKeyId": {
            "Eq": [truth.stolen_access_key_id]}}}
        gd.create_filter(DetectorId=truth.detector_id, Name="stolen-key",
                         FindingCriteria=key_filter)
        revoked_at = sim.world.clock.now().isoformat().replace("+00:00", "Z")
        iam.put_role_policy(RoleName=truth.role_name, PolicyName="AWSRevokeOlderSessions",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                                "Effect": "Deny", "Action": "*", "Resource": "*",
                                "Condition": {"DateLessThan": {
                                    "aws:TokenIssueTime": revoked_at}}}]}))
        sim.world.advance(60)
        ec2.stop_instances(InstanceIds=[truth.instance_id])
        sim.world.advance(10)  # stopping -> stopped
        ec2.start_instances(InstanceIds=[truth.instance_id])
        counts = {f["Type"]: f["Service"]["Count"] for f in gd.get_findings(
            DetectorId=truth.detector_id,
            FindingIds=gd.list_findings(DetectorId=truth.detector_id)["FindingIds"])["Findings"]}
    finally:
        sim.stop()
    recorded = [json.loads(line).get("operation") for line in journal.read_text().splitlines()]
    assert recorded[1:] == ["CreateFilter", "PutRolePolicy", "StopInstances", "StartInstances"]

    resumed = start_embedded(world_name, params, region, journal=journal, realtime=False)
    try:
        truth = resumed.world.truth
        assert resumed.replayed == 4
        gd, iam, ec2 = (_client(resumed, s) for s in ("guardduty", "iam", "ec2"))
        assert gd.list_filters(DetectorId=truth.detector_id)["FilterNames"] == ["stolen-key"]
        policy = iam.get_role_policy(RoleName=truth.role_name,
                                     PolicyName="AWSRevokeOlderSessions")["PolicyDocument"]
        assert policy["Statement"][0]["Condition"]["DateLessThan"][
            "aws:TokenIssueTime"] == revoked_at
        resumed.world.advance(5)  # the replayed start is pending for a few seconds
        instance = ec2.describe_instances(InstanceIds=[truth.instance_id])[
            "Reservations"][0]["Instances"][0]
        assert instance["State"]["Name"] == "running"
        assert instance["LaunchTime"] >= datetime.fromisoformat(revoked_at)
        resumed_counts = {f["Type"]: f["Service"]["Count"] for f in gd.get_findings(
            DetectorId=truth.detector_id,
            FindingIds=gd.list_findings(DetectorId=truth.detector_id)["FindingIds"])["Findings"]}
        assert resumed_counts == counts  # the attacker's calls up to then were replayed too
    finally:
        resumed.stop()
