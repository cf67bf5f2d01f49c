"""What a restart and other containments do to the stolen session, and what the
`sessions-revoked` check says of them.

AWS: temporary credentials stay valid until they expire; a stop and start gives the
instance new ones without invalidating the old; only a policy denying the old sessions
(aws:TokenIssueTime) stops them. A deny on the attacker's address stops it too, but it
is not a revocation (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html).
"""

from __future__ import annotations

import json

from labguide.sim import instance_credentials


def only(step):
    (check,) = step.checks
    return check


def attacker_codes(lab):
    return [call.error_code for call in lab.world.attacker.recent_calls()[-5:]]


def restart(lab):
    lab.call("ec2", "StopInstances", InstanceIds=[lab.truth.instance_id])
    lab.advance(60)
    lab.call("ec2", "StartInstances", InstanceIds=[lab.truth.instance_id])


def test_a_restart_without_revoking_leaves_the_attacker_working(inprocess_lab):
    lab = inprocess_lab
    before = attacker_codes(lab)
    assert before[0] is None  # GetObject on the data bucket: the role may
    restart(lab)
    lab.advance(240)
    held = instance_credentials.current(lab.world.account_id, lab.truth.instance_id)
    assert held.access_key_id != lab.truth.stolen_access_key_id  # the instance rotated
    assert attacker_codes(lab) == before  # the stolen key works as before
    assert "ExpiredToken" not in attacker_codes(lab)
    assert only(lab.check("revoke-sessions")).status == "failed"


def test_revoking_then_restarting_keeps_the_attacker_denied_not_expired(inprocess_lab):
    lab = inprocess_lab
    lab.solve("revoke-sessions")
    lab.advance(120)
    assert set(attacker_codes(lab)) == {"AccessDenied"}
    restart(lab)
    lab.advance(240)
    assert set(attacker_codes(lab)) == {"AccessDenied"}
    result = lab.round("revoke-sessions", "restart-instance")
    assert only(result.step("revoke-sessions")).status == "passed"
    assert only(result.step("restart-instance")).status == "passed"


def test_a_deny_on_the_attackers_address_stops_it_but_is_no_revocation(inprocess_lab):
    lab = inprocess_lab
    lab.call("iam", "PutRolePolicy", RoleName=lab.truth.role_name, PolicyName="deny-attacker",
             PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                 "Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": f"{lab.truth.attacker_ip}/32"}}}]}))
    lab.advance(120)
    assert set(attacker_codes(lab)) == {"AccessDenied"}
    assert only(lab.check("revoke-sessions")).status == "failed"
