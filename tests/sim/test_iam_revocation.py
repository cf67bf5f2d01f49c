"""Role sessions dated by aws:TokenIssueTime: the evaluator, then real requests through
moto's authorization hook, in-process and on a SimServer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from labguide.sim import instance_credentials
from labguide.sim.iam_revocation.models import RoleSession, evaluate, parse_policy_date

ISSUED = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
ALLOW_S3 = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def revoke_document(moment: str) -> dict:
    """What the IAM console's "Revoke active sessions" writes (AWSRevokeOlderSessions)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": moment}}}]}


def session(**overrides) -> RoleSession:
    values = dict(access_key_id="ASIAUNITTEST00000001", account_id="123456789012",
                  role_name="r", role_arn="arn:aws:iam::123456789012:role/r",
                  session_name="i-0123456789abcdef0", issued_at=ISSUED,
                  expires_at=ISSUED + timedelta(hours=6))
    values.update(overrides)
    return RoleSession(**values)


# ----- the evaluator --------------------------------------------------------------------

def test_a_deny_dated_after_the_session_denies_it_explicitly_with_aws_message():
    decision = evaluate(session(), "s3:GetObject", "arn:aws:s3:::b/k", ISSUED,
                        [ALLOW_S3, revoke_document("2026-03-02T08:00:01Z")])
    assert not decision.allowed and decision.explicit_deny
    assert decision.error_code == "AccessDenied"
    assert decision.message == (
        "User: arn:aws:sts::123456789012:assumed-role/r/i-0123456789abcdef0 is not authorized"
        " to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in an"
        " identity-based policy")


@pytest.mark.parametrize("moment, denied", [
    ("2026-03-02T08:00:00Z", False),  # not less than: the same second is not older
    ("2026-03-02T08:00:00.500Z", True),  # the console writes milliseconds
    ("2026-03-02T07:59:59Z", False),  # revoked before the session was issued
    ("2026-03-02T09:00:00+01:00", False),  # same instant, other zone
    ("1772438401", True),  # epoch seconds, one second after issue
])
def test_whole_second_issue_time_compared_with_the_condition(moment, denied):
    decision = evaluate(session(), "s3:GetObject", "*", ISSUED,
                        [ALLOW_S3, revoke_document(moment)])
    assert decision.allowed is not denied


def test_a_session_issued_after_the_revocation_is_allowed():
    later = session(issued_at=ISSUED + timedelta(minutes=5))
    decision = evaluate(later, "s3:GetObject", "*", ISSUED + timedelta(minutes=6),
                        [ALLOW_S3, revoke_document("2026-03-02T08:01:00Z")])
    assert decision.allowed


def test_without_an_allow_the_deny_is_implicit():
    decision = evaluate(session(), "iam:DeleteAccountPasswordPolicy", "*", ISSUED, [ALLOW_S3])
    assert not decision.allowed and not decision.explicit_deny
    assert "because no identity-based policy allows the iam:DeleteAccountPasswordPolicy" \
        in decision.message


def test_action_and_resource_patterns_and_not_action():
    policy = {"Statement": [
        {"Effect": "Allow", "Action": "S3:Get*", "Resource": "arn:aws:s3:::data/*"},
        {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}]}
    assert evaluate(session(), "s3:GetObject", "arn:aws:s3:::data/x", ISSUED, [policy]).allowed
    assert not evaluate(session(), "s3:GetObject", "arn:aws:s3:::logs/x", ISSUED,
                        [policy]).allowed
    assert evaluate(session(), "ec2:DescribeInstances", "*", ISSUED, [policy]).explicit_deny


def test_a_condition_on_a_key_the_request_lacks_does_not_apply():
    """IAM: an absent key does not match (the evaluator alone, without a source address)."""
    policy = {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
                            ALLOW_S3["Statement"][0]]}
    assert evaluate(session(), "s3:GetObject", "*", ISSUED, [policy]).allowed
    assert evaluate(session(), "sts:GetCallerIdentity", "*", ISSUED,
                    [revoke_document("2030-01-01T00:00:00Z")]).allowed


def test_sessions_live_until_their_own_expiration():
    assert evaluate(session(), "s3:GetObject", "*", ISSUED + timedelta(hours=6, seconds=-1),
                    [ALLOW_S3]).allowed
    expired = evaluate(session(), "s3:GetObject", "*", ISSUED + timedelta(hours=6), [ALLOW_S3])
    assert expired.error_code == "ExpiredToken"


def test_policy_dates():
    assert parse_policy_date("2026-03-02T08:00:00Z") == ISSUED
    assert parse_policy_date("2026-03-02T08:00:00") == ISSUED
    assert parse_policy_date("not a date") is None


# ----- real requests --------------------------------------------------------------------

def _revoke(world, endpoint_url=None, at=None, policy_name="AWSRevokeOlderSessions"):
    moment = (at or world.clock.now()).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    iam = boto3.client("iam", region_name=world.region, endpoint_url=endpoint_url,
                       aws_access_key_id=world.learner.access_key_id,
                       aws_secret_access_key=world.learner.secret_access_key)
    iam.put_role_policy(RoleName=world.truth.role_name, PolicyName=policy_name,
                        PolicyDocument=json.dumps(revoke_document(moment)))
    return moment


def _error(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def _exercise_revocation(world, session_client, endpoint_url=None):
    held = instance_credentials.current(world.account_id, world.truth.instance_id)
    s3 = session_client("s3", held, endpoint_url)
    s3.get_object(Bucket=world.truth.data_bucket, Key="config.py")  # the role may
    implicit = _error(s3.list_buckets)  # the role may not
    assert implicit["Code"] == "AccessDenied"

    world.advance(1)
    _revoke(world, endpoint_url, at=world.clock.now() - timedelta(hours=1))  # older: no effect
    s3.get_object(Bucket=world.truth.data_bucket, Key="config.py")

    world.advance(1)
    _revoke(world, endpoint_url, policy_name="any-name-works")
    arn = (f"arn:aws:sts::{world.account_id}:assumed-role/{world.truth.role_name}/"
           f"{world.truth.instance_id}")
    error = _error(lambda: s3.get_object(Bucket=world.truth.data_bucket, Key="config.py"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"].startswith(f"User: {arn} is not authorized to perform: s3:GetObject")
    assert error["Message"].endswith("with an explicit deny in an identity-based policy")
    ssm_error = _error(lambda: session_client("ssm", held, endpoint_url).get_parameter(
        Name=world.truth.app_health_parameter))
    assert ssm_error["Code"] == "AccessDeniedException"
    assert "ssm:GetParameter" in ssm_error["Message"]
    ec2_error = _error(session_client("ec2", held, endpoint_url).describe_instance_status)
    assert ec2_error["Code"] == "UnauthorizedOperation"
    iam_error = _error(session_client("iam", held, endpoint_url).list_roles)
    assert iam_error["Code"] == "AccessDenied" and "explicit deny" in iam_error["Message"]
    identity = session_client("sts", held, endpoint_url).get_caller_identity()
    assert identity["Arn"] == arn  # GetCallerIdentity is never denied

    # The learner (an IAM user) is not affected; a session issued later is.
    learner_s3 = boto3.client("s3", region_name=world.region, endpoint_url=endpoint_url,
                              aws_access_key_id=world.learner.access_key_id,
                              aws_secret_access_key=world.learner.secret_access_key)
    assert learner_s3.get_object(Bucket=world.truth.data_bucket, Key="config.py")["Body"].read()
    world.advance(1)
    fresh = instance_credentials.issue(world.account_id, world.region, world.truth.instance_id,
                                       world.truth.role_arn, world.clock.now())
    session_client("s3", fresh, endpoint_url).get_object(
        Bucket=world.truth.data_bucket, Key="config.py")


def test_revocation_in_process(moto_in_process, build_theft_world, role_client):
    _exercise_revocation(build_theft_world(), role_client)


def test_revocation_on_a_server(served_theft_world, theft_server, role_client):
    _exercise_revocation(served_theft_world(), role_client, theft_server.endpoint_url)


def test_moto_permission_checking_on_does_not_deny_new_sessions(
        moto_in_process, build_theft_world, role_client):
    from moto.core import set_initial_no_auth_action_count

    world = build_theft_world()
    world.advance(1)
    _revoke(world)
    world.advance(1)
    fresh = instance_credentials.issue(world.account_id, world.region, world.truth.instance_id,
                                       world.truth.role_arn, world.clock.now())

    @set_initial_no_auth_action_count(0)
    def with_checks_on():
        role_client("s3", fresh).get_object(Bucket=world.truth.data_bucket, Key="config.py")

    with_checks_on()


def test_install_fails_loudly_when_the_hook_point_is_gone(monkeypatch):
    from moto.core.authorization import ActionAuthenticatorMixin

    from labguide.sim import iam_revocation
    from labguide.sim.errors import ExtensionError

    monkeypatch.setattr(iam_revocation, "_installed", False)
    monkeypatch.delattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action")
    with pytest.raises(ExtensionError, match="_authenticate_and_authorize_action"):
        iam_revocation.install()


def test_sessions_from_sts_assume_role_are_judged_by_issue_time(
        moto_in_process, build_theft_world):
    world = build_theft_world()

    def assume():
        sts = boto3.client("sts", region_name=world.region,
                           aws_access_key_id=world.learner.access_key_id,
                           aws_secret_access_key=world.learner.secret_access_key)
        got = sts.assume_role(RoleArn=world.truth.role_arn, RoleSessionName="learner-test",
                              DurationSeconds=900)["Credentials"]
        assert got["Expiration"] == world.clock.now() + timedelta(seconds=900)
        return boto3.client("s3", region_name=world.region,
                            aws_access_key_id=got["AccessKeyId"],
                            aws_secret_access_key=got["SecretAccessKey"],
                            aws_session_token=got["SessionToken"])

    early = assume()
    early.get_object(Bucket=world.truth.data_bucket, Key="config.py")
    world.advance(1)
    _revoke(world)
    assert _error(lambda: early.get_object(Bucket=world.truth.data_bucket, Key="config.py"))[
        "Message"].endswith("with an explicit deny in an identity-based policy")
    world.advance(1)
    assume().get_object(Bucket=world.truth.data_bucket, Key="config.py")
    world.advance(900)
    assert _error(lambda: early.list_buckets())["Code"] == "ExpiredToken"
