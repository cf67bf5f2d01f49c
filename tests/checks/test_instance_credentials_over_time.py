"""Instance-profile credentials on the world clock, and what the checks make of them.

AWS, as the simulator models it:
- EC2 User Guide, "Retrieve security credentials from instance metadata"
  (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html):
  the role's credentials are temporary and rotated automatically; new ones are available
  at least five minutes before the old ones expire. Only that bound is documented (public
  reports see hourly rotation; nothing AWS promises), so the simulator refreshes five
  minutes before the 6-hour expiry: within an exercise's few hours nothing rotates on its
  own, and a resumed world holds the set it would hold had it run all along.
- IAM User Guide, "Revoke IAM role temporary security credentials"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html):
  a new set does not retire the old one; it is valid until its own expiration.
- IAM condition key aws:SourceIp is the caller's address
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip):
  a Deny on the instance's address stops every call the instance makes (its SSM agent's
  too); a Deny on the attacker's address leaves the instance alone.
"""

from __future__ import annotations

import json
from datetime import timedelta

from labguide.sim import instance_credentials
from labguide.sim.iam_revocation.models import judge
from tests.checks.conftest import Lab, inprocess

IMDS_V2 = ('TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" '
           '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600")\n'
           'curl -s -H "X-aws-ec2-metadata-token: $TOKEN" '
           'http://169.254.169.254/latest/meta-data/iam/security-credentials/')


def ec2_lab():
    """The second exercise's world (an SSM agent, no application) in process."""
    from labguide.scenario import load_scenario

    return inprocess(load_scenario("compromised-ec2-instance"))


def ping_status(lab: Lab, instance_id: str) -> str:
    listed = lab.call("ssm", "DescribeInstanceInformation")["InstanceInformationList"]
    return next(i["PingStatus"] for i in listed if i["InstanceId"] == instance_id)


def run_command(lab: Lab, instance_id: str, script: str, wait: float = 5) -> dict:
    sent = lab.call("ssm", "SendCommand", InstanceIds=[instance_id],
                    DocumentName="AWS-RunShellScript", Parameters={"commands": [script]},
                    TimeoutSeconds=30)
    lab.advance(wait)
    return lab.call("ssm", "GetCommandInvocation", CommandId=sent["Command"]["CommandId"],
                    InstanceId=instance_id)


def deny_address(lab: Lab, address: str, name: str) -> None:
    lab.call("iam", "PutRolePolicy", RoleName=lab.truth.role_name, PolicyName=name,
             PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                 "Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": f"{address}/32"}}}]}))


def instance_address(lab: Lab, instance_id: str) -> str:
    """The address the instance's own calls come from (its public IP, else its private)."""
    (reservation,) = lab.call("ec2", "DescribeInstances", InstanceIds=[instance_id])[
        "Reservations"]
    (instance,) = reservation["Instances"]
    return instance.get("PublicIpAddress") or instance["PrivateIpAddress"]


def state_checks(lab: Lab) -> dict[str, str]:
    """Each step's state check (restart-instance's instance-restarted, verify-rotation's
    key-rotated; the pasted-key answer beside it is left out)."""
    result = lab.round("restart-instance", "verify-rotation")
    return {step.id: step.checks[0].status for step in result.steps}


# ----- refresh on the world clock -----------------------------------------------------------

def test_an_instance_long_past_its_first_credentials_has_fresh_ones_and_its_agent_online():
    with ec2_lab() as lab:
        account, instance_id = lab.world.account_id, lab.truth.instance_id
        first = instance_credentials.current(account, instance_id)
        # The world lives on 7 hours (a resumed world lives only the last hour of it).
        lab.world.catch_up(first.expiration + timedelta(hours=1))
        assert ping_status(lab, instance_id) == "Online"
        output = run_command(lab, instance_id, IMDS_V2 + first.session.role_name)
        assert output["Status"] == "Success", output
        shown = json.loads(output["StandardOutputContent"])
        assert shown["AccessKeyId"] != first.access_key_id
        # Issued when it was due, five minutes before the first set expired.
        assert shown["LastUpdated"] == (first.expiration - timedelta(minutes=5)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")


def test_a_refresh_leaves_the_old_set_valid_until_its_own_expiration(inprocess_lab):
    lab = inprocess_lab
    account, instance_id = lab.world.account_id, lab.truth.instance_id
    first = instance_credentials.current(account, instance_id)
    due = first.expiration - timedelta(minutes=5)
    lab.advance((due - lab.world.clock.now()).total_seconds() - 60)
    assert instance_credentials.current(account, instance_id) == first  # not due yet
    lab.advance(120)
    refreshed = instance_credentials.current(account, instance_id)
    assert refreshed.access_key_id != first.access_key_id
    assert refreshed.last_updated == due
    resource = f"arn:aws:s3:::{lab.truth.data_bucket}/config.py"
    assert judge(first.access_key_id, "s3:GetObject", resource,
                 first.expiration - timedelta(seconds=1)).allowed
    assert judge(first.access_key_id, "s3:GetObject", resource,
                 first.expiration).error_code == "ExpiredToken"
    # A restart still gives another set at once.
    lab.call("ec2", "StopInstances", InstanceIds=[instance_id])
    lab.advance(30)
    lab.call("ec2", "StartInstances", InstanceIds=[instance_id])
    lab.advance(10)
    instance_address(lab, instance_id)  # EC2 reaches running as it is read
    restarted = instance_credentials.current(account, instance_id)
    assert restarted.access_key_id not in (first.access_key_id, refreshed.access_key_id)


def test_no_rotation_on_its_own_passes_the_rotation_steps(inprocess_lab):
    """Revoke, then wait instead of restarting: within an exercise's length the instance
    keeps the stolen key; once the refresh is due it holds a key issued after the
    revocation (its application recovers, as on AWS), but neither restart-instance nor
    verify-rotation passes: both judge a start after the revocation."""
    lab = inprocess_lab
    account, instance_id = lab.world.account_id, lab.truth.instance_id
    lab.solve("revoke-sessions")
    lab.advance(2 * 3600)
    assert instance_credentials.current(account, instance_id).access_key_id == \
        lab.truth.stolen_access_key_id
    assert lab.world.app.health.startswith("degraded")
    assert state_checks(lab) == {"restart-instance": "failed", "verify-rotation": "failed"}

    first = instance_credentials.current(account, instance_id)
    lab.advance((first.expiration - lab.world.clock.now()).total_seconds())
    assert instance_credentials.current(account, instance_id).access_key_id != \
        lab.truth.stolen_access_key_id
    assert lab.world.app.health == "healthy"
    assert state_checks(lab) == {"restart-instance": "failed", "verify-rotation": "failed"}


# ----- an IP deny and the instance's agent --------------------------------------------------

def test_a_deny_on_the_instances_address_takes_its_agent_offline(inprocess_lab):
    lab = inprocess_lab
    instance_id = lab.truth.instance_id
    assert ping_status(lab, instance_id) == "Online"
    deny_address(lab, instance_address(lab, instance_id), "deny-instance")
    lab.advance(300)
    assert ping_status(lab, instance_id) == "ConnectionLost"
    assert lab.world.app.health.startswith("degraded: AccessDenied")
    # A command is never fetched: delivery times out (TimeoutSeconds 30 + executionTimeout).
    output = run_command(lab, instance_id, "hostname", wait=3700)
    assert (output["Status"], output["StatusDetails"]) == ("TimedOut", "DeliveryTimedOut")
    # Lifting the deny brings the agent back.
    lab.call("iam", "DeleteRolePolicy", RoleName=lab.truth.role_name,
             PolicyName="deny-instance")
    lab.advance(300)
    assert ping_status(lab, instance_id) == "Online"
    assert run_command(lab, instance_id, "hostname")["Status"] == "Success"


def test_a_deny_on_the_attackers_address_leaves_the_instance_working(inprocess_lab):
    lab = inprocess_lab
    instance_id = lab.truth.instance_id
    deny_address(lab, lab.truth.attacker_ip, "deny-attacker")
    lab.advance(300)
    assert {c.error_code for c in lab.world.attacker.recent_calls()[-5:]} == {"AccessDenied"}
    assert ping_status(lab, instance_id) == "Online"
    assert lab.world.app.health == "healthy"
    assert run_command(lab, instance_id, "hostname")["Status"] == "Success"
