"""A real account is only read unless changes are allowed: every operation labguide
tries on `--aws` (check, solve without --yes, the app without --allow-changes) is on
the one read list (labguide.readops), at every stage of the exercise.

The "real account" is the simulator reached as if it were --aws: Target.for_aws is
replaced by a Target of kind "aws" pointed at a SimServer, so every guard runs as on
AWS. Operations are counted at botocore's `provide-client-params`, the first event of
a client call, before the target's own refusal could hide an attempt.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from labguide.actions import apply
from labguide.checks.facts import discover, iso
from labguide.cli import main
from labguide.readops import is_read
from labguide.scenario import load_scenario
from labguide.target import Credentials, Target

SCENARIO = "compromised-iam-credentials"
STAGES = {
    "untouched": (),
    "filtered": ("filter-key",),
    "revoked": ("filter-key", "revoke-sessions"),
    "restarted": ("filter-key", "revoke-sessions", "restart-instance"),
}


@dataclass
class RealAccount:
    url: str
    world: object
    local: Target  # the learner's own access, as from the console: changes allowed
    attempts: list[tuple[str, str]] = field(default_factory=list)
    solved: list[str] = field(default_factory=list)

    def solve(self, step_id: str) -> None:
        scenario = load_scenario(SCENARIO).scenario
        facts = discover(self.local, scenario.facts).values()
        apply(scenario.step(step_id), facts, self.local, now=iso(self.local.now()))
        self.world.advance(30)
        self.solved.append(step_id)

    def changes(self) -> list[tuple[str, str]]:
        return [op for op in self.attempts if not is_read(*op)]


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    from labguide.sim.server import SimServer

    with SimServer() as running:
        yield running


def _stage(server, monkeypatch, stage: str) -> RealAccount:
    scenario = load_scenario(SCENARIO).scenario
    world = server.add_world(scenario.world.name, dict(scenario.world.params),
                             region=scenario.region)
    learner = world.learner
    local = Target.for_simulator(server.endpoint_url, learner, scenario.region,
                                 clock=world.clock.now)
    account = RealAccount(server.endpoint_url, world, local)
    for step_id in STAGES[stage]:
        account.solve(step_id)

    def fake_aws(*, region, profile=None, default_region=None, allow_changes=False):
        target = Target(kind="aws", region=region or default_region,
                        endpoint_url=server.endpoint_url,
                        credentials=Credentials(learner.access_key_id,
                                                learner.secret_access_key),
                        allow_changes=allow_changes, clock=world.clock.now)
        target.on_event("provide-client-params.*.*", lambda model, **_: account.attempts.append(
            (model.service_model.service_name, model.name)))
        return target

    monkeypatch.setattr(Target, "for_aws", staticmethod(fake_aws))
    return account


@pytest.mark.parametrize("stage", list(STAGES))
def test_check_and_solve_on_a_real_account_only_read(server, monkeypatch, capsys, stage):
    account = _stage(server, monkeypatch, stage)
    assert main(["check", SCENARIO, "--aws"]) in (0, 1)
    capsys.readouterr()
    assert main(["check", SCENARIO, "--aws", "--json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    assert account.attempts and account.changes() == []
    checks = {c["id"]: c for step in report["steps"] for c in step["checks"]}
    if stage == "restarted":
        rotated = checks["key-rotated"]
        assert rotated["status"] == "manual", rotated
        assert "ssm:SendCommand" in rotated["summary"] and "paste" in rotated["summary"]
    for step in load_scenario(SCENARIO).scenario.steps:
        code = main(["solve", SCENARIO, "--step", step.id, "--aws"])
        out = capsys.readouterr().out
        assert code in (0, 2), (step.id, out)
        if code == 2:
            assert "nothing was changed; add --yes" in out
    assert account.changes() == [], account.changes()


def test_the_counter_sees_a_change_when_one_is_allowed(server, monkeypatch, capsys):
    """Negative control: with --yes the same counting sees Run Command sent."""
    account = _stage(server, monkeypatch, "restarted")
    assert main(["solve", SCENARIO, "--step", "verify-rotation", "--aws", "--yes"]) == 0
    assert ("ssm", "SendCommand") in account.changes()


def test_the_target_refuses_what_is_not_a_read_on_a_read_only_real_account(server, monkeypatch):
    """Defence in depth: even a call made straight on the target is stopped before it is
    sent; the same call goes through once changes are allowed."""
    from labguide.target import ChangeRefused

    account = _stage(server, monkeypatch, "untouched")
    read_only = Target.for_aws(region="ap-southeast-2")
    instance = account.world.truth.instance_id
    sent: list[str] = []
    read_only.on_event("before-call.*.*", lambda event_name, **_: sent.append(event_name))
    with pytest.raises(ChangeRefused, match="ec2:StopInstances"):
        read_only.call("ec2", "StopInstances", InstanceIds=[instance])
    with pytest.raises(ChangeRefused, match="ssm:SendCommand"):
        read_only.client("ssm").send_command(InstanceIds=[instance],
                                             DocumentName="AWS-RunShellScript",
                                             Parameters={"commands": ["true"]})
    assert sent == []
    read_only.call("ec2", "DescribeInstances", InstanceIds=[instance])
    assert sent == ["before-call.ec2.DescribeInstances"]
    allowed = Target.for_aws(region="ap-southeast-2", allow_changes=True)
    allowed.call("ec2", "StopInstances", InstanceIds=[instance])
    state = read_only.call("ec2", "DescribeInstances", InstanceIds=[instance])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] in ("stopping", "stopped")


# ----- the pasted-key question ---------------------------------------------------------------


def _current_key(account: RealAccount) -> str:
    from labguide.sim.instance_credentials import current

    return current(account.world.account_id, account.world.truth.instance_id).access_key_id


def _judge(target: Target, pasted: str):
    from labguide.checks import CheckRunner

    with CheckRunner(load_scenario(SCENARIO), target) as runner:
        (step,) = runner.run_round(["verify-rotation"],
                                   {("verify-rotation", "current-key"): pasted}).steps
    return {check.id: check for check in step.checks}


def test_the_pasted_key_settles_the_step_on_a_read_only_real_account(server, monkeypatch):
    account = _stage(server, monkeypatch, "restarted")
    target = Target.for_aws(region="ap-southeast-2")
    new, stolen = _current_key(account), account.world.truth.stolen_access_key_id
    checks = _judge(target, f'    "AccessKeyId" : "{new}",')
    assert checks["key-rotated"].status == "manual"
    assert checks["current-key-named"].status == "passed", checks["current-key-named"]
    assert "not read from the instance" in checks["current-key-named"].summary
    assert _judge(target, stolen)["current-key-named"].status == "failed"  # the stolen key
    assert _judge(target, "no key here")["current-key-named"].status == "failed"
    assert account.changes() == []


def test_a_pasted_key_before_the_restart_does_not_pass(server, monkeypatch):
    account = _stage(server, monkeypatch, "revoked")
    made_up = "ASIA" + "Q" * 16
    checks = _judge(Target.for_aws(region="ap-southeast-2"), made_up)
    assert checks["current-key-named"].status == "failed"
    assert "stop and start it" in checks["current-key-named"].summary
    assert account.changes() == []


def test_where_the_key_can_be_read_the_pasted_key_must_be_it(server, monkeypatch):
    """On the simulator (changes allowed) the answer is compared with the key read from
    the instance by the same Run Command the state check sends: one per launch."""
    account = _stage(server, monkeypatch, "restarted")
    local = Target.for_simulator(server.endpoint_url, account.world.learner, "ap-southeast-2",
                                 clock=account.world.clock.now)
    sent: list[str] = []
    local.on_event("before-call.ssm.SendCommand", lambda **_: sent.append("send"))
    from labguide.checks import CheckRunner

    with CheckRunner(load_scenario(SCENARIO), local) as runner:
        for pasted, expected in ((_current_key(account), "passed"),
                                 ("ASIA" + "Q" * 16, "failed"),
                                 (account.world.truth.stolen_access_key_id, "failed")):
            (step,) = runner.run_round(["verify-rotation"],
                                       {("verify-rotation", "current-key"): pasted}).steps
            statuses = {check.id: check.status for check in step.checks}
            assert statuses == {"key-rotated": "passed", "current-key-named": expected}
            assert step.status == expected
    assert sent == ["send"]
