"""The attacker on a driven clock: allowed and denied calls as in the workshop, denied after
a revocation dated after its session (not before), still denied after the restart and
expired only at its session's own expiration; GuardDuty sees every call, publishing it
PUBLICATION_DELAY later (its findings show the calls made up to then); the instance's
application suffers between revocation and restart.

AWS: temporary credentials cannot be revoked and stay valid until they expire; only a
policy denying them (aws:TokenIssueTime) stops them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import boto3

from labguide.sim import instance_credentials
from labguide.sim.guardduty.models import PUBLICATION_DELAY

DELAY = PUBLICATION_DELAY.total_seconds()

WORKSHOP_ROUND = [("s3", "GetObject", None), ("s3", "ListBuckets", "AccessDenied"),
                  ("cloudtrail", "DescribeTrails", "AccessDenied"),
                  ("s3", "DeleteBucket", "AccessDenied"),
                  ("iam", "DeleteAccountPasswordPolicy", "AccessDenied")]


def learner(world, service):
    return boto3.client(service, region_name=world.region,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def last_round(world):
    return [(c.service, c.api, c.error_code) for c in world.attacker.recent_calls()[-5:]]


def revoke(world, moment):
    learner(world, "iam").put_role_policy(
        RoleName=world.truth.role_name, PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
            "Condition": {"DateLessThan": {
                "aws:TokenIssueTime": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")}}}]}))


def published_calls(world):
    """The attacker's calls GuardDuty has published by now."""
    cutoff = world.clock.now() - PUBLICATION_DELAY
    return [c for c in world.attacker.recent_calls() if c.at <= cutoff]


def wire(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def findings(world):
    guardduty = learner(world, "guardduty")
    ids = guardduty.list_findings(DetectorId=world.truth.detector_id)["FindingIds"]
    listed = guardduty.get_findings(DetectorId=world.truth.detector_id, FindingIds=ids)
    return {f["Type"].split(":")[0]: f for f in listed["Findings"]}


def health(world):
    ec2 = learner(world, "ec2")
    instance = ec2.describe_instances(InstanceIds=[world.truth.instance_id])
    tags = {t["Key"]: t["Value"]
            for t in instance["Reservations"][0]["Instances"][0]["Tags"]}
    parameter = learner(world, "ssm").get_parameter(Name=world.truth.app_health_parameter)
    assert parameter["Parameter"]["Value"] == tags["app-health"]
    return tags["app-health"]


def test_the_whole_response_on_a_driven_clock(moto_in_process, build_theft_world):
    world = build_theft_world()
    assert last_round(world) == WORKSHOP_ROUND
    counts = {kind: f["Service"]["Count"] for kind, f in findings(world).items()}
    assert counts == {"UnauthorizedAccess": 9, "Recon": 6}  # three rounds before "now"

    # Every interval, one more round; nothing in between.
    calls_before = len(world.attacker.recent_calls())
    next_round = world.attacker.recent_calls()[-1].at + timedelta(seconds=120)
    world.advance((next_round - world.clock.now()).total_seconds() - 1)
    assert len(world.attacker.recent_calls()) == calls_before
    world.advance(1)
    assert len(world.attacker.recent_calls()) == calls_before + 5
    # GuardDuty has not published that round yet; DELAY later it has (and every round
    # made meanwhile up to DELAY ago): the count is that of the published calls.
    assert findings(world)["Recon"]["Service"]["Count"] == 6
    world.advance(DELAY)
    recon = [c for c in published_calls(world) if c.api.startswith(("List", "Describe"))]
    assert len(recon) > 6
    assert findings(world)["Recon"]["Service"]["Count"] == len(recon)

    # A revocation dated before the stolen session was issued changes nothing.
    revoke(world, world.truth.stolen_session_issued_at - timedelta(seconds=1))
    world.advance(120)
    assert last_round(world) == WORKSHOP_ROUND
    assert health(world) == "healthy"

    # Revoking now: every call is denied, explicitly; the application breaks too.
    revoke(world, world.clock.now())
    revoked_at = world.clock.now()
    world.advance(120)
    assert last_round(world) == [(s, a, "AccessDenied") for s, a, _ in WORKSHOP_ROUND]
    # GuardDuty shows the denied round once it has published it.
    denied_round_at = world.attacker.recent_calls()[-1].at
    assert findings(world)["Recon"]["Service"]["EventLastSeen"] < wire(denied_round_at)
    world.advance(DELAY)
    assert findings(world)["Recon"]["Service"]["EventLastSeen"] >= wire(denied_round_at)
    access = findings(world)["UnauthorizedAccess"]["Service"]["Action"]["AwsApiCallAction"]
    assert access["Api"] == "DeleteAccountPasswordPolicy"
    assert access["ErrorCode"] == "AccessDenied"
    state = health(world)
    assert state.startswith("degraded: AccessDenied reading s3://")
    assert "since " + (revoked_at + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ") \
        in state

    # Stop and start: the instance gets new credentials; the stolen key stays denied
    # (explicitly, by the revocation), not expired.
    ec2 = learner(world, "ec2")
    ec2.stop_instances(InstanceIds=[world.truth.instance_id])
    world.advance(60)
    assert health(world) == "down: instance is not running"
    ec2.start_instances(InstanceIds=[world.truth.instance_id])
    count_before = findings(world)["UnauthorizedAccess"]["Service"]["Count"]
    world.advance(120)
    assert last_round(world) == [(s, a, "AccessDenied") for s, a, _ in WORKSHOP_ROUND]
    assert health(world) == "healthy"
    rotated = instance_credentials.current(world.account_id, world.truth.instance_id)
    assert rotated.access_key_id != world.truth.stolen_access_key_id
    after = findings(world)
    assert after["UnauthorizedAccess"]["Service"]["Count"] == count_before + 3
    action = after["UnauthorizedAccess"]["Service"]["Action"]["AwsApiCallAction"]
    assert action["ErrorCode"] == "AccessDenied"
    last_seen = after["Recon"]["Service"]["EventLastSeen"]
    assert last_seen == wire(published_calls(world)[-1].at)
    assert after["Recon"]["UpdatedAt"] == wire(published_calls(world)[-1].at + PUBLICATION_DELAY)

    # Only at the session's own expiration (issue + 6 h) does it become ExpiredToken.
    expiry = world.truth.stolen_session_issued_at + timedelta(hours=6)
    world.advance((expiry - world.clock.now()).total_seconds() - 1)
    assert {code for _, _, code in last_round(world)} == {"AccessDenied"}
    world.advance(120)
    assert last_round(world) == [(s, a, "ExpiredToken") for s, a, _ in WORKSHOP_ROUND]
    world.advance(DELAY)
    action = findings(world)["UnauthorizedAccess"]["Service"]["Action"]["AwsApiCallAction"]
    assert action["ErrorCode"] == "ExpiredToken"


def test_restart_without_revocation_leaves_the_stolen_key_working(
        moto_in_process, build_theft_world):
    """Negative control: the restart alone rotates the instance's key but stops nothing."""
    world = build_theft_world()
    before = findings(world)
    ec2 = learner(world, "ec2")
    ec2.stop_instances(InstanceIds=[world.truth.instance_id])
    world.advance(10)  # stopping -> stopped (a stopping instance cannot be started)
    ec2.start_instances(InstanceIds=[world.truth.instance_id])
    world.advance(110)
    assert last_round(world) == WORKSHOP_ROUND  # GetObject allowed, the rest as before
    rotated = instance_credentials.current(world.account_id, world.truth.instance_id)
    assert rotated.access_key_id != world.truth.stolen_access_key_id
    after = findings(world)
    assert after["Recon"]["Service"]["Count"] == before["Recon"]["Service"]["Count"] + 2
    assert after["Recon"]["Service"]["EventLastSeen"] == wire(published_calls(world)[-1].at)
    action = after["UnauthorizedAccess"]["Service"]["Action"]["AwsApiCallAction"]
    assert action["ErrorCode"] == "AccessDenied"  # DeleteAccountPasswordPolicy: not the role's


def test_the_stolen_session_expires_after_six_hours(moto_in_process, build_theft_world):
    world = build_theft_world()
    expiry = world.truth.stolen_session_issued_at + timedelta(hours=6)
    world.advance((expiry - world.clock.now()).total_seconds() + 120)
    assert {code for _, _, code in last_round(world)} == {"ExpiredToken"}
    assert health(world) == "healthy"  # the instance refreshed its own credentials in time


def test_realtime_runs_due_actions_in_a_thread_until_stopped(
        moto_in_process, build_theft_world):
    world = build_theft_world()
    ran = threading.Event()
    world.every("probe", 3600, world.clock.now(), lambda at: ran.set())
    world.start_realtime(poll_seconds=0.01)
    world.start_realtime(poll_seconds=0.01)  # idempotent
    try:
        assert ran.wait(timeout=10)
    finally:
        world.stop()
    assert world._thread is None
