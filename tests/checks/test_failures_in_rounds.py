"""A read that fails (denied, expired, throttled, unreachable, no credentials) gives an
`error` naming the cause and what to grant or set: never a traceback, never `failed`."""

from __future__ import annotations

import dataclasses

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber

from labguide.checks import CheckRunner


def inject(lab, service: str, operation: str, error: Exception) -> None:
    """Make every `service:operation` call of the lab's target fail with `error`."""

    def fail(**_: object) -> None:
        raise error

    lab.target.client(service).meta.events.register(f"before-call.{service}.{operation}", fail)


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)


def statuses(result) -> dict[str, str]:
    return {check.id: check.status for step in result.steps for check in step.checks}


@pytest.mark.parametrize(("service", "operation", "error", "broken", "needle"), [
    ("guardduty", "ListFilters", client_error("AccessDeniedException", "ListFilters"),
     {"key-filtered"},
     "AccessDeniedException on guardduty:ListFilters: grant guardduty:ListFilters"),
    ("iam", "ListRolePolicies", client_error("AccessDenied", "ListRolePolicies"),
     {"sessions-revoked", "instance-restarted", "key-rotated"},
     "AccessDenied on iam:ListRolePolicies: grant iam:ListRolePolicies"),
    ("guardduty", "ListDetectors", client_error("ExpiredTokenException", "ListDetectors"),
     {"key-filtered", "sessions-revoked", "instance-restarted", "key-rotated", "principal-named"},
     "expired or invalid"),
    ("iam", "GetRole", client_error("Throttling", "GetRole"),
     {"sessions-revoked", "instance-restarted", "key-rotated", "principal-named"},
     "throttled on iam:GetRole"),
    ("ec2", "DescribeInstances", EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
     {"instance-restarted", "key-rotated"}, "cannot reach"),
    ("guardduty", "ListDetectors", NoCredentialsError(),
     {"key-filtered", "sessions-revoked", "instance-restarted", "key-rotated", "principal-named"},
     "AWS_ACCESS_KEY_ID"),
])
def test_read_failures_are_errors_with_their_cause(inprocess_lab, service, operation, error,
                                                   broken, needle):
    lab = inprocess_lab
    answers = {("identify-principal", "principal"): lab.truth.role_name}
    inject(lab, service, operation, error)
    result = lab.round(answers=answers)
    by_id = {check.id: check for step in result.steps for check in step.checks}
    for check_id in broken:
        assert by_id[check_id].status == "error", by_id[check_id]
        assert needle in by_id[check_id].summary
    for check_id, check in by_id.items():
        if check_id not in broken:
            assert check.status != "error", check


def test_ssm_throttled_on_the_rotation_read(inprocess_lab):
    lab = inprocess_lab
    for step in ("revoke-sessions", "restart-instance"):
        lab.solve(step)
    inject(lab, "ssm", "SendCommand", client_error("ThrottlingException", "SendCommand"))
    check = lab.check("verify-rotation").checks[0]
    assert check.status == "error" and "throttled on ssm:SendCommand" in check.summary


def test_an_endpoint_that_now_answers_for_another_account(inprocess_lab):
    """A restarted `sim serve` answers the same keys for its default account."""
    lab = inprocess_lab
    target = dataclasses.replace(lab.target, kind="endpoint")
    stub = Stubber(target.client("sts"))
    for account in (lab.world.account_id, "123456789012"):
        stub.add_response("get_caller_identity", {
            "Account": account, "Arn": f"arn:aws:iam::{account}:user/x", "UserId": "AIDAX"})
    with stub, CheckRunner(lab.loaded, target) as runner:
        assert statuses(runner.run_round())["key-filtered"] == "failed"
        result = runner.run_round()
    check = result.step("filter-key").checks[0]
    assert check.status == "error" and "restarted" in check.summary
    assert statuses(result)["principal-named"] == "manual"


def test_an_unexpected_error_in_fact_discovery_is_an_error_not_a_crash(inprocess_lab,
                                                                      monkeypatch):
    from labguide.checks import facts

    def broken(spec, ctx):
        raise RuntimeError("odd answer")

    monkeypatch.setattr(facts, "access_key_fact", broken)
    result = inprocess_lab.round("filter-key")
    (check,) = result.step("filter-key").checks
    assert check.status == "error"
    assert "internal error discovering fact access_key_id" in check.summary
    assert "RuntimeError: odd answer" in check.summary
    assert result.facts["access_key_id"] is None
    assert result.facts["detector_id"] == inprocess_lab.truth.detector_id


def test_an_unexpected_error_reading_the_identity_does_not_end_the_round(inprocess_lab):
    def broken(**_):
        raise RuntimeError("odd identity answer")

    inprocess_lab.target.on_event("before-call.sts.GetCallerIdentity", broken)
    result = inprocess_lab.round("filter-key")
    assert [check.status for check in result.step("filter-key").checks] == ["failed"]
