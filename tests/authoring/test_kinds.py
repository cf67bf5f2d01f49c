"""The declarative kinds against the simulator: `aws` facts and checks and
`instance-command` checks pass, fail and error as they should; the registry holds every
kind once."""

from __future__ import annotations

import pytest

from labguide.checks.context import Memo, RoundContext
from labguide.checks.expect import meets
from labguide.checks.facts import discover
from labguide.checks.kinds import runner_for
from labguide.scenario.kinds import (
    CHECK_REGISTRY,
    FACT_REGISTRY,
    PANE_REGISTRY,
    AwsCheck,
    AwsFact,
    Expectation,
    InstanceCommandCheck,
    implementation,
)
from labguide.scenario.names import CHECK_KINDS, FACT_KINDS


def judge(account, spec):
    """A verdict for `spec` on the account, with the scenario's facts, as the runner
    judges it (read failures become `error` there)."""
    ctx = RoundContext(target=account.target, memo=Memo())
    discover(account.target, account.loaded.scenario.facts, ctx=ctx)
    assert callable(runner_for(spec.kind))
    return account.runner._judge(None, spec, ctx)


def aws_check(**changes):
    body = {"id": "tagged", "kind": "aws", "title": "tagged",
            "call": {"service": "ec2", "operation": "DescribeInstances",
                     "params": {"InstanceIds": ["{{ facts.instance_id }}"]}},
            "select": "Reservations[].Instances[].Tags[?Key=='owner'].Value[]",
            "expect": {"contains": "security"}, "expected": "owner=security"}
    body.update(changes)
    return AwsCheck.model_validate(body)


def test_registry_names_each_kind_once_with_its_implementation():
    assert set(CHECK_REGISTRY) == CHECK_KINDS and set(FACT_REGISTRY) == FACT_KINDS
    for registry in (CHECK_REGISTRY, FACT_REGISTRY):
        for kind in registry.values():
            assert callable(implementation(kind)), kind.name
    assert {"aws", "instance-command"} <= CHECK_KINDS and "aws" in FACT_KINDS
    assert "table" in PANE_REGISTRY


def test_aws_check_fails_then_passes_and_says_what_it_found(account):
    instance_id = account.world.resources["web"]["id"]
    failed = judge(account, aws_check())
    assert failed.status == "failed"
    assert "found an empty list" in failed.observed or failed.observed == "an empty list"
    assert failed.expected == "owner=security"
    account.target.call("ec2", "CreateTags", Resources=[instance_id],
                        Tags=[{"Key": "owner", "Value": "security"}])
    passed = judge(account, aws_check())
    assert passed.status == "passed" and passed.observed == "1 item: security"


def test_aws_check_errors_never_fail(account):
    unknown = judge(account, aws_check(call={"service": "ec2", "operation": "DescribeInstances",
                                             "params": {"InstanceIds": ["i-0000000000000dead"]}}))
    assert unknown.status == "error"  # the read itself failed: not a judgement
    change = judge(account, aws_check(call={"service": "ec2", "operation": "TerminateInstances",
                                            "params": {"InstanceIds": ["i-1"]}}))
    assert change.status == "error" and "not a read operation" in change.summary
    bad = judge(account, aws_check(call={"service": "ec2", "operation": "DescribeNothing"}))
    assert bad.status == "error"


def test_aws_check_pages_through_every_page(account):
    iam = account.target
    for n in range(12):
        iam.call("iam", "CreateUser", UserName=f"paged-user-{n:02d}")
    spec = aws_check(call={"service": "iam", "operation": "ListUsers", "params": {"MaxItems": 5}},
                     select="Users[?starts_with(UserName, 'paged-user-')].UserName",
                     expect={"count": {"min": 12, "max": 12}}, expected="12 users")
    assert judge(account, spec).status == "passed"


def test_aws_fact_reads_the_account(account):
    facts = discover(account.target, account.loaded.scenario.facts)
    assert facts.value("instance_id") == account.world.resources["web"]["id"]
    assert facts.value("bucket_name").endswith("-data")
    missing = AwsFact.model_validate({
        "kind": "aws", "description": "a bucket that is not there",
        "call": {"service": "s3", "operation": "ListBuckets"},
        "select": "Buckets[?Name=='nowhere'].Name"})
    found = discover(account.target, {"nowhere": missing}).get("nowhere")
    assert found.value is None and "nothing in the account matches" in found.reason


def command_check(**changes):
    body = {"id": "profile", "kind": "instance-command", "title": "profile",
            "instance": "instance_id",
            "command": "curl -s http://169.254.169.254/latest/meta-data/iam/info",
            "select": "InstanceProfileArn", "expect": {"matches": ".*-app$"},
            "expected": "the app profile"}
    body.update(changes)
    return InstanceCommandCheck.model_validate(body)


def test_instance_command_passes_fails_and_errors(account):
    assert judge(account, command_check()).status == "passed"
    wrong = judge(account, command_check(expect={"matches": ".*-restricted$"}))
    assert wrong.status == "failed" and "instance-profile/web-lab-app" in wrong.observed
    text = judge(account, command_check(select=None, command="hostname",
                                        expect={"matches": "ip-.*"}))
    assert text.status == "passed"
    broken = judge(account, command_check(select=None, command="nosuchcommand"))
    assert broken.status == "error" and "failed (exit" in broken.summary


def test_instance_command_is_manual_on_a_read_only_real_account(account, monkeypatch):
    import dataclasses

    from labguide.target import Target

    read_only = dataclasses.replace(account.target, allow_changes=False)
    monkeypatch.setattr(Target, "is_real_account", property(lambda self: True))
    ctx = RoundContext(target=read_only, memo=Memo())
    discover(read_only, account.loaded.scenario.facts, ctx=ctx)
    sent: list[int] = []
    read_only.on_event("before-call.ssm.SendCommand", lambda **_: sent.append(1))
    verdict = account.runner._judge(None, command_check(), ctx)
    assert sent == []
    assert verdict.status == "manual" and "Run Command" in verdict.summary


@pytest.mark.parametrize("expect, value, ok", [
    ({"exists": True}, [], False), ({"exists": True}, ["x"], True),
    ({"empty": True}, None, True), ({"empty": True}, "x", False),
    ({"equals": 22}, "22", True), ({"equals": "a"}, "b", False),
    ({"contains": "b"}, ["a", "b"], True), ({"contains": "lo"}, "hello", True),
    ({"matches": "ab+"}, "abbb", True), ({"matches": "ab+"}, "xabbb", False),
    ({"count": {"min": 2}}, ["a"], False), ({"count": {"max": 1}}, [], True),
    ({"all": {"equals": "deny"}}, ["deny", "deny"], True),
    ({"all": {"equals": "deny"}}, [], False),
    ({"any": {"matches": "0\\.0\\.0\\.0/0"}}, ["10.0.0.0/8", "0.0.0.0/0"], True),
])
def test_expectations(expect, value, ok):
    spec = Expectation.model_validate(expect)
    wanted = spec.equals if spec.key == "equals" else spec.contains
    if spec.key in ("all", "any"):
        inner = spec.all or spec.any
        wanted = inner.equals
    assert meets(value, spec, wanted) is ok


def test_an_expectation_takes_exactly_one_key():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="exactly one of"):
        Expectation.model_validate({"exists": True, "empty": True})
    with pytest.raises(ValidationError, match="invalid JMESPath"):
        aws_check(select="Reservations[")
