"""The one action guard: a real account is read-only unless opened for changes, a change
on it is confirmed, an action that asks first is confirmed anywhere."""

from __future__ import annotations

from types import SimpleNamespace

from labguide import actions
from labguide.lab.connection import Connection, TargetSpec
from labguide.lab.guard import CONFIRM, REFUSE, RUN, ActionRequest, decide


def connection(kind: str, *, allow_changes: bool = False, ready: bool = True) -> Connection:
    conn = Connection(TargetSpec(kind=kind, allow_changes=allow_changes,
                                 endpoint="http://127.0.0.1:5000" if kind == "endpoint"
                                 else None), "eu-west-1")
    if ready:
        conn.target = SimpleNamespace(is_real_account=kind == "aws")
        conn.account_id = "123456789012"
        conn._set_ready()
    return conn


STOP = actions.stop_instance("i-0123456789abcdef0")
READ = actions.Action("list the detectors", (actions.Call("guardduty", "ListDetectors", {}),))


def test_a_change_on_the_simulator_runs():
    assert decide(ActionRequest(STOP), connection("sim")).outcome == RUN


def test_a_change_on_a_real_account_is_refused_without_allow_changes():
    decision = decide(ActionRequest(STOP), connection("aws"))
    assert decision.outcome == REFUSE
    assert "--allow-changes" in decision.message and STOP.cli in decision.message


def test_a_change_on_a_real_account_opened_for_changes_is_confirmed():
    decision = decide(ActionRequest(STOP), connection("aws", allow_changes=True))
    assert decision.outcome == CONFIRM
    assert "123456789012" in decision.message
    # every line of the CLI equivalent, indented under its heading
    assert all(f"  {line}\n" in decision.message + "\n" for line in STOP.cli.splitlines())


def test_a_read_on_a_real_account_runs():
    assert decide(ActionRequest(READ), connection("aws")).outcome == RUN


def test_an_action_that_asks_first_is_confirmed_on_the_simulator_too():
    asked = decide(ActionRequest(STOP, confirm="Stop the instance?"), connection("sim"))
    assert (asked.outcome, asked.title) == (CONFIRM, "Stop the instance?")
    ack = decide(ActionRequest(STOP, acknowledge="I acknowledge"), connection("sim"))
    assert ack.outcome == CONFIRM and ack.acknowledge == "I acknowledge"


def test_nothing_runs_before_the_account_is_ready():
    assert decide(ActionRequest(READ), connection("sim", ready=False)).outcome == REFUSE
