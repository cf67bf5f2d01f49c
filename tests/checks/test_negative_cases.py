"""What must not pass: near misses a learner (or a shortcut) could produce."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from labguide.actions import save_filter
from labguide.checks.facts import iso, parse_instant

KEY_FIELD = "resource.accessKeyDetails.accessKeyId"


def only(step):
    """The step's one check, verify-rotation's pasted-key question aside (tested apart)."""
    (check,) = [check for check in step.checks if check.id != "current-key-named"]
    return check


def detector(lab):
    return lab.truth.detector_id


def first_seen(lab):
    return parse_instant(lab.round("revoke-sessions").facts["first_seen"])


# ----- key-filtered ---------------------------------------------------------------------------


def test_a_filter_on_another_key(inprocess_lab):
    lab = inprocess_lab
    save_filter(detector(lab), "other", "ASIAOTHERKEY0000ZZZZ").run(lab.target)
    check = only(lab.check("filter-key"))
    assert check.status == "failed"
    assert check.observed == "1 saved filter, none on that key"
    assert lab.truth.stolen_access_key_id not in check.summary + check.expected
    assert check.expected.startswith(f"a saved filter on {KEY_FIELD} = ASIA…")


def test_a_filter_that_narrows_the_key_out(inprocess_lab):
    lab = inprocess_lab
    key = lab.truth.stolen_access_key_id
    lab.call("guardduty", "CreateFilter", DetectorId=detector(lab), Name="high-only",
             Action="NOOP", FindingCriteria={"Criterion": {
                 KEY_FIELD: {"Eq": [key]}, "severity": {"Gte": 8}}})
    check = only(lab.check("filter-key"))
    assert check.status == "failed" and "severity" in check.summary
    lab.call("guardduty", "CreateFilter", DetectorId=detector(lab), Name="medium-up",
             Action="NOOP", FindingCriteria={"Criterion": {
                 KEY_FIELD: {"Equals": [key]}, "severity": {"GreaterThanOrEqual": 4}}})
    check = only(lab.check("filter-key"))
    assert check.status == "passed" and "'medium-up'" in check.summary


def test_guardduty_itself_judges_a_filter_that_names_the_key(inprocess_lab):
    """The filter's criteria go to ListFindings as saved: only archived findings of the
    key leave the (active) finding out; the finding's own type keeps it in."""
    lab = inprocess_lab
    key = lab.truth.stolen_access_key_id
    asked: list[dict] = []
    lab.target.on_event("provide-client-params.guardduty.ListFindings",
                        lambda params, **_: asked.append(params.get("FindingCriteria")))
    archived = {"Criterion": {KEY_FIELD: {"Eq": [key]}, "service.archived": {"Eq": ["true"]}}}
    lab.call("guardduty", "CreateFilter", DetectorId=detector(lab), Name="archived-only",
             Action="NOOP", FindingCriteria=archived)
    check = only(lab.check("filter-key"))
    assert check.status == "failed"
    assert "'archived-only' names the key but its other criteria (service.archived Eq true)" \
        in check.summary
    assert archived in asked
    finding_type = lab.round("alert").facts["finding_type"]
    lab.call("guardduty", "CreateFilter", DetectorId=detector(lab), Name="this-key",
             Action="NOOP", FindingCriteria={"Criterion": {
                 KEY_FIELD: {"Eq": [key]}, "type": {"Eq": [finding_type]}}})
    assert only(lab.check("filter-key")).status == "passed"


def test_a_suppression_rule_is_not_a_saved_filter(inprocess_lab):
    lab = inprocess_lab
    lab.call("guardduty", "CreateFilter", DetectorId=detector(lab), Name="hide",
             Action="ARCHIVE", FindingCriteria={"Criterion": {
                 KEY_FIELD: {"Eq": [lab.truth.stolen_access_key_id]}}})
    check = only(lab.check("filter-key"))
    assert check.status == "failed" and "suppression" in check.summary


# ----- sessions-revoked -----------------------------------------------------------------------


def test_a_revocation_dated_before_the_first_use(inprocess_lab):
    lab = inprocess_lab
    seen = first_seen(lab)
    lab.revoke_at(lab.truth.stolen_session_issued_at)
    check = only(lab.check("revoke-sessions"))
    assert check.status == "failed" and "revoke again" in check.summary
    lab.revoke_at(seen)  # exactly the first use is not later than it
    assert only(lab.check("revoke-sessions")).status == "failed"
    lab.revoke_at(lab.later(1))
    check = only(lab.check("revoke-sessions"))
    assert check.status == "passed" and "AWSRevokeOlderSessions" in check.observed


def statement(**changes):
    body = {"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2099-01-01T00:00:00Z"}}}
    body.update(changes)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in body.items()
                                                     if v is not None}]}


def test_denies_that_do_not_revoke(inprocess_lab):
    lab = inprocess_lab
    cases = {
        "some-actions": statement(Action=["s3:*", "iam:*", "cloudtrail:*"]),
        "allow": statement(Effect="Allow"),
        "not-action": statement(Action=None, NotAction=["iam:PassRole"]),
    }
    for name, document in cases.items():
        lab.revoke_at(None, name=name, document=document)
    check = only(lab.check("revoke-sessions"))
    assert check.status == "failed"
    assert "only s3:*, iam:*, cloudtrail:*" in check.summary
    assert "NotAction" in check.summary and "Allow" in check.summary


def test_a_deny_on_another_role(inprocess_lab):
    lab = inprocess_lab
    lab.call("iam", "CreateRole", RoleName="some-other-role", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))
    lab.revoke_at(lab.later(1), role="some-other-role")
    assert only(lab.check("revoke-sessions")).status == "failed"


def test_any_policy_name_and_a_customer_managed_policy_count(inprocess_lab):
    lab = inprocess_lab
    moment = iso(lab.later(1))
    document = statement(Action="*", Resource="*", Condition={
        "DateLessThan": {"aws:TokenIssueTime": moment}})
    arn = lab.call("iam", "CreatePolicy", PolicyName="cut-off-old-sessions",
                   PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    lab.call("iam", "AttachRolePolicy", RoleName=lab.truth.role_name, PolicyArn=arn)
    check = only(lab.check("revoke-sessions"))
    assert check.status == "passed"
    assert "managed policy cut-off-old-sessions" in check.observed
    assert moment in check.summary


def test_a_revocation_dated_in_the_future(inprocess_lab):
    """It denies the sessions a restart would get too: nothing downstream could pass."""
    lab = inprocess_lab
    lab.revoke_at(None, document=statement())  # 2099
    result = lab.round("revoke-sessions", "restart-instance")
    revoked = only(result.step("revoke-sessions"))
    assert revoked.status == "failed"
    assert "in the future" in revoked.summary and "date it now" in revoked.summary
    assert only(result.step("restart-instance")).status == "failed"
    lab.revoke_at(lab.later(4 * 60))  # a few minutes ahead (clock skew) still counts
    assert only(lab.check("revoke-sessions")).status == "passed"


# ----- instance-restarted and key-rotated -----------------------------------------------------


def test_a_revocation_before_the_first_use_is_no_moment_to_restart_after(inprocess_lab):
    """An old Deny-all (dated before the theft, before the instance's launch) must not
    make an untouched instance look restarted."""
    lab = inprocess_lab
    lab.revoke_at(datetime(2020, 1, 1, tzinfo=UTC))
    result = lab.round("revoke-sessions", "restart-instance", "verify-rotation")
    assert result.step("revoke-sessions").status == "failed"
    restarted = only(result.step("restart-instance"))
    assert restarted.status == "failed" and "not after the stolen key's first use" in \
        restarted.summary
    assert result.step("verify-rotation").status == "failed"


def test_a_reboot_is_not_a_restart(inprocess_lab):
    lab = inprocess_lab
    lab.solve("revoke-sessions")
    lab.advance(30)
    lab.call("ec2", "RebootInstances", InstanceIds=[lab.truth.instance_id])
    lab.advance(30)
    sent: list[int] = []
    lab.target.on_event("before-call.ssm.SendCommand", lambda **_: sent.append(1))
    result = lab.round("restart-instance", "verify-rotation")
    restarted = only(result.step("restart-instance"))
    assert restarted.status == "failed" and "reboot" in restarted.summary
    rotated = only(result.step("verify-rotation"))
    assert rotated.status == "failed"
    assert "still runs with the credentials it had before the revocation" in rotated.summary
    assert rotated.summary.endswith("stop and start it")
    assert sent == []  # its agent runs on revoked credentials: no Run Command to wait out


def test_a_stopped_instance_is_named(inprocess_lab):
    lab = inprocess_lab
    lab.solve("revoke-sessions")
    lab.advance(30)
    lab.call("ec2", "StopInstances", InstanceIds=[lab.truth.instance_id])
    stopping = lab.round("restart-instance")
    assert "is stopping" in only(stopping.step("restart-instance")).summary
    lab.advance(10)  # stopping -> stopped on the world clock
    result = lab.round("restart-instance", "verify-rotation")
    assert only(result.step("restart-instance")).summary.endswith("is stopped; start it")
    assert only(result.step("verify-rotation")).status == "failed"


def test_a_restart_before_the_revocation_does_not_count(inprocess_lab):
    lab = inprocess_lab
    lab.solve("restart-instance")
    lab.advance(60)
    lab.solve("revoke-sessions")
    result = lab.round("revoke-sessions", "restart-instance", "verify-rotation")
    assert result.step("revoke-sessions").status == "passed"
    assert result.step("restart-instance").status == "failed"
    assert result.step("verify-rotation").status == "failed"  # launched before it


# ----- answers --------------------------------------------------------------------------------


def test_answers(inprocess_lab):
    lab = inprocess_lab
    truth = lab.truth

    def principal(answer):
        return only(lab.check("identify-principal",
                              {("identify-principal", "principal"): answer}))

    assert principal(truth.role_name.upper()).status == "passed"
    assert principal(f" {truth.role_arn} ").status == "passed"
    assert principal(truth.instance_profile_arn).status == "failed"  # the profile, not the role
    review = lab.check("review", {("review", "rotation-trigger"): "2"})
    assert review.status == "passed"  # the second choice, by number
    review = lab.check("review", {("review", "rotation-trigger"): "Reboot the instance"})
    assert review.status == "failed"
    key = lab.check("alert", {("alert", "access-key"): truth.stolen_access_key_id})
    assert [c.status for c in key.checks] == ["manual", "passed"]
    assert key.status == "manual"
    assert truth.stolen_access_key_id not in str(key)


def test_a_passed_rotation_read_is_kept_until_the_instance_or_revocation_changes(inprocess_lab):
    lab = inprocess_lab
    for step in ("revoke-sessions", "restart-instance"):
        lab.solve(step)
    sent: list[str] = []
    lab.target.on_event("before-call.ssm.SendCommand", lambda event_name, **_: sent.append(1))
    assert only(lab.check("verify-rotation")).status == "passed"
    assert only(lab.check("verify-rotation")).status == "passed"
    assert len(sent) == 1  # the second round did not run a command again
    lab.advance(60)
    lab.solve("revoke-sessions")  # revoking again denies the instance's current key
    assert only(lab.check("verify-rotation")).status == "failed"
    lab.solve("restart-instance")
    assert only(lab.check("verify-rotation")).status == "passed"
    assert len(sent) == 2  # none while the instance predated the new revocation


def test_an_unreachable_agent_is_not_asked_on_every_poll(inprocess_lab):
    from botocore.exceptions import ClientError

    lab = inprocess_lab
    for step in ("revoke-sessions", "restart-instance"):
        lab.solve(step)
    sent: list[int] = []

    def offline(**_):
        sent.append(1)
        raise ClientError({"Error": {"Code": "InvalidInstanceId", "Message": "offline"}},
                          "SendCommand")

    lab.target.on_event("before-call.ssm.SendCommand", offline)
    for _ in range(3):
        check = only(lab.check("verify-rotation"))
        assert check.status == "error" and "SSM cannot reach" in check.summary
    assert len(sent) == 1
