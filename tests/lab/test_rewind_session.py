"""The session's side of a rewind: the rewound steps' passed checks and done marks are
forgotten, their answers kept and judged again on the next round's facts, and a round read
before the rewind is dropped."""

from __future__ import annotations

from labguide.checks.results import CheckResult, RoundResult, StepResult
from labguide.lab import events as ev
from labguide.lab.rewind import ENDPOINT, REAL_ACCOUNT, unavailable
from labguide.lab.session import DONE, ReadRound
from tests.lab.test_session_events import session

ROLE = "threat-detection-wksp-compromised-ec2"


def _round(lab, role: str | None, passed: bool) -> RoundResult:
    status = "passed" if passed else "failed"
    steps = [StepResult("filter-key", "Filter", status,
                        [CheckResult("key-filtered", status, "", "", "")])]
    return RoundResult(steps=steps, facts={**{n: None for n in lab.scenario.facts},
                                           "role_name": role})


def test_forgotten_steps_are_judged_again_and_old_rounds_dropped(tmp_path):
    lab = session(tmp_path)
    seen = []
    lab.events.subscribe(seen.append)
    principal = lab.scenario.step("identify-principal").questions[0]
    lab.apply_round(_round(lab, ROLE, True), None)
    lab.submit_answer("identify-principal", principal, ROLE)
    assert lab.state("filter-key") == DONE
    assert lab.saved_answer("identify-principal", principal.id).correct is True
    stale = ReadRound(_round(lab, ROLE, True), lab.rewinds)  # read before the rewind

    lab.forget_steps(("filter-key", "identify-principal"))
    lab.open_rewound("filter-key")
    assert lab.state("filter-key") != DONE and lab.progress.current_step == "filter-key"
    kept = lab.saved_answer("identify-principal", principal.id)
    assert kept.text == ROLE and kept.correct is None  # kept, to be judged again
    assert lab.apply_round(stale, None) == [] and lab.state("filter-key") != DONE

    # The next round: the role now reads differently (the account was rebuilt): wrong.
    lab.apply_round(ReadRound(_round(lab, "another-role", False), lab.rewinds), None)
    assert lab.rejudged and lab.rejudge == set()
    assert lab.saved_answer("identify-principal", principal.id).correct is False
    assert lab.state("filter-key") != DONE
    assert [e.kind for e in seen].count(ev.STEP_DONE) == 1


def test_a_session_opened_after_labguide_rewind_judges_its_unjudged_answers(tmp_path):
    lab = session(tmp_path)
    principal = lab.scenario.step("identify-principal").questions[0]
    lab.store.save_answer(lab.scenario.id, lab.account, "identify-principal", principal.id,
                          ROLE, True)
    lab.store.forget_steps(lab.scenario.id, lab.account, ["identify-principal"])
    again = session(tmp_path)
    assert again.rejudge == {("identify-principal", principal.id)}
    again.apply_round(_round(again, ROLE, False), None)
    assert again.saved_answer("identify-principal", principal.id).correct is True


def test_rewind_is_unavailable_off_the_embedded_simulator():
    from labguide.lab.connection import Connection, TargetSpec

    assert unavailable(Connection(TargetSpec(kind="aws"), "ap-southeast-2")) == REAL_ACCOUNT
    assert unavailable(Connection(TargetSpec(kind="endpoint", endpoint="http://x:1"),
                                  "ap-southeast-2")) == ENDPOINT
    starting = unavailable(Connection(TargetSpec(), "ap-southeast-2"))
    assert starting == "until the simulated account has started"
