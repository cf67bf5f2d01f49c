"""The generic kinds the second exercise uses, against its declarative world: the
`guardduty-filter` and `network-acl-denies` checks and the `aws` fact's `extract` pass,
fail and error as they should (the counterexamples of `labguide test` cover more)."""

from __future__ import annotations

import pytest

from labguide.checks.context import Memo, RoundContext
from labguide.checks.facts import discover
from labguide.scenario.kinds import AwsFact, GuardDutyFilterCheck, NetworkAclDeniesCheck
from tests.authoring.test_kinds import judge


@pytest.fixture(scope="module")
def ec2_account():
    from labguide.cli.test_cmd import Prover
    from labguide.scenario import load_scenario

    prover = Prover(load_scenario("compromised-ec2-instance"))
    try:
        yield prover.account()
    finally:
        prover.close()


def facts(account):
    ctx = RoundContext(target=account.target, memo=Memo())
    return discover(account.target, account.loaded.scenario.facts, ctx=ctx)


def blocked(**changes):
    body = {"id": "blocked", "kind": "network-acl-denies", "title": "blocked",
            "subnet": "subnet_id", "source": "attacker_ip", "protocol": "tcp", "port": 22}
    body.update(changes)
    return NetworkAclDeniesCheck.model_validate(body)


def test_network_acl_denies(ec2_account):
    account = ec2_account
    acl = account.world.truth.network_acl_id
    ip = account.world.truth.attacker_ip
    assert judge(account, blocked()).status == "failed"
    account.target.call("ec2", "CreateNetworkAclEntry", NetworkAclId=acl, RuleNumber=80,
                        Protocol="6", RuleAction="deny", Egress=False,
                        CidrBlock=f"{ip}/32", PortRange={"From": 22, "To": 22})
    verdict = judge(account, blocked())
    assert verdict.status == "passed" and "rule 80 denies" in verdict.summary
    assert judge(account, blocked(port=80)).status == "failed"  # HTTP from it still passes
    account.target.call("ec2", "DeleteNetworkAclEntry", NetworkAclId=acl, RuleNumber=80,
                        Egress=False)
    unknown = judge(account, blocked(subnet="no_such_fact"))
    assert unknown.status in ("failed", "error")


def test_guardduty_filter(ec2_account):
    account = ec2_account
    spec = GuardDutyFilterCheck.model_validate(
        {"id": "f", "kind": "guardduty-filter", "title": "f",
         "field": "resource.instanceDetails.instanceId", "value": "instance_id"})
    assert judge(account, spec).status == "failed"
    detector = account.world.truth.detector_id
    instance = account.world.truth.instance_id
    account.target.call("guardduty", "CreateFilter", DetectorId=detector, Name="narrowed",
                        Action="NOOP", FindingCriteria={"Criterion": {
                            "resource.instanceDetails.instanceId": {"Eq": [instance]},
                            "severity": {"Gt": 8}}})
    narrowed = judge(account, spec)
    assert narrowed.status == "failed" and "leave out its findings" in narrowed.summary
    account.target.call("guardduty", "CreateFilter", DetectorId=detector, Name="instance",
                        Action="NOOP", FindingCriteria={"Criterion": {
                            "resource.instanceDetails.instanceId": {"Eq": [instance]}}})
    assert judge(account, spec).status == "passed"


def test_extract_reads_the_user_from_the_log_group(ec2_account):
    known = facts(ec2_account)
    assert known.get("logged_in_user").value == ec2_account.world.truth.logged_in_user
    with pytest.raises(ValueError, match="exactly one group"):
        AwsFact.model_validate({"kind": "aws", "description": "d", "select": "a",
                                "call": {"service": "logs", "operation": "FilterLogEvents"},
                                "extract": "no group"})
