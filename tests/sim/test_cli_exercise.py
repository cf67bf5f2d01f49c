"""The whole exercise with the real AWS CLI against a SimServer, as a learner would do it:
find the findings of the key, save a filter, revoke the role's sessions, stop and start
the instance, and read the new key through SSM RunCommand (IMDSv2)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.sim.awscli import aws_cli

IMDSV2 = (
    'TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" '
    '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600") && curl -s -H '
    '"X-aws-ec2-metadata-token: $TOKEN" '
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/{role}"
)


def advance(endpoint_url, world, seconds):
    """Move the world's clock through the server's /moto-api/labguide route."""
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/labguide/clock/advance", method="POST",
        data=json.dumps({"seconds": seconds, "account": world.account_id}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


@pytest.mark.slow
def test_the_exercise_with_the_aws_cli(served_theft_world, theft_server):
    world = served_theft_world()
    url = theft_server.endpoint_url
    truth = world.truth

    # Detect: the detector, the findings of the key from the alert, the principal behind it.
    detector = aws_cli(world, url, "guardduty", "list-detectors")["DetectorIds"][0]
    key = truth.stolen_access_key_id
    criteria = json.dumps({"Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": [key]}}})
    ids = aws_cli(world, url, "guardduty", "list-findings", "--detector-id", detector,
              "--finding-criteria", criteria)["FindingIds"]
    findings = aws_cli(world, url, "guardduty", "get-findings", "--detector-id", detector,
                   "--finding-ids", *ids)["Findings"]
    assert sorted(f["Type"] for f in findings) == [
        "Recon:IAMUser/MaliciousIPCaller.Custom",
        "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"]
    details = findings[0]["Resource"]["AccessKeyDetails"]
    role_name = details["UserName"]
    instance_id = details["PrincipalId"].split(":")[1]
    assert (role_name, instance_id) == (truth.role_name, truth.instance_id)
    aws_cli(world, url, "guardduty", "create-filter", "--detector-id", detector,
        "--name", "stolen-key", "--finding-criteria", criteria)

    # Respond: revoke the role's older sessions (as the console does), restart the instance.
    now = world.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    revoke = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": now}}}]}
    aws_cli(world, url, "iam", "put-role-policy", "--role-name", role_name,
        "--policy-name", "AWSRevokeOlderSessions", "--policy-document", json.dumps(revoke))
    advance(url, world, 120)
    assert {c.error_code for c in world.attacker.recent_calls()[-5:]} == {"AccessDenied"}
    reason = aws_cli(world, url, "ec2", "describe-tags", "--filters",
                 f"Name=resource-id,Values={instance_id}", "Name=key,Values=app-health")
    assert reason["Tags"][0]["Value"].startswith("degraded: AccessDenied")

    aws_cli(world, url, "ec2", "stop-instances", "--instance-ids", instance_id)
    advance(url, world, 30)
    aws_cli(world, url, "ec2", "start-instances", "--instance-ids", instance_id)
    start_moment = world.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    pending = aws_cli(world, url, "ec2", "describe-instances", "--instance-ids", instance_id)
    assert pending["Reservations"][0]["Instances"][0]["State"]["Name"] == "pending"
    advance(url, world, 5)  # pending -> running on the world clock
    started = aws_cli(world, url, "ec2", "describe-instances", "--instance-ids", instance_id)
    assert started["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"
    assert started["Reservations"][0]["Instances"][0]["LaunchTime"].startswith(start_moment)

    # Verify: the instance's metadata now holds a new key, issued after the revocation.
    command = aws_cli(world, url, "ssm", "send-command", "--instance-ids", instance_id,
                  "--document-name", "AWS-RunShellScript", "--parameters",
                  json.dumps({"commands": [IMDSV2.format(role=role_name)]}))["Command"]
    invocation = aws_cli(world, url, "ssm", "get-command-invocation", "--command-id",
                     command["CommandId"], "--instance-id", instance_id)
    assert invocation["Status"] == "Success"
    credentials = json.loads(invocation["StandardOutputContent"])
    assert credentials["AccessKeyId"].startswith("ASIA") and credentials["AccessKeyId"] != key
    assert credentials["LastUpdated"] > now[:19] + "Z"
    advance(url, world, 120)
    # The stolen session is still valid (temporary credentials live until they expire):
    # the revocation, not the restart, keeps denying it.
    assert {c.error_code for c in world.attacker.recent_calls()[-5:]} == {"AccessDenied"}
