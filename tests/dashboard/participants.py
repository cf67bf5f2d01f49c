"""Scripted participants of a real class server: join, report what an app would, act on
the seat's account with its own keys (as the AWS CLI would), ask for help, read messages."""

from __future__ import annotations

from typing import Any

from labguide.classroom.client import ClassClient
from labguide.target import Credentials, Target


class Participant:
    def __init__(self, served: Any, seat: int, loaded: Any) -> None:
        self.code = served.state.seats()[seat - 1].join_code
        self.client = ClassClient(served.server.public_url, code=self.code)
        self.loaded = loaded
        self.seat = seat
        self.target: Target | None = None

    def join(self, name: str) -> Participant:
        seat = self.client.join(self.code, name)
        self.target = Target.for_simulator(
            seat["endpoint_url"], Credentials(seat["access_key_id"], seat["secret_access_key"]),
            seat["region"])
        return self

    def report(self, *events: dict[str, Any]) -> dict[str, Any]:
        return self.client.report(list(events))

    def open_step(self, step: str) -> None:
        self.report({"kind": "step", "step": step})

    def hint(self, step: str, question: str) -> None:
        self.report({"kind": "hint", "step": step, "question": question})

    def answer(self, step: str, question: str, value: str, correct: bool) -> None:
        self.report({"kind": "answer", "step": step, "question": question, "value": value,
                     "correct": correct})

    def help(self, text: str | None = None, on: bool = True) -> None:
        self.report({"kind": "help", "on": on, **({"text": text} if text else {})})

    def facts(self) -> dict[str, Any]:
        from labguide.checks.context import Memo, RoundContext
        from labguide.checks.facts import discover

        ctx = RoundContext(target=self.target, memo=Memo())
        return {n: f.value for n, f in discover(self.target, self.loaded.scenario.facts,
                                                 ctx=ctx).all().items()}

    def answer_right(self, step: str) -> None:
        """Answer the step's checked questions as the CLI's `labguide answer` would (judged
        on the server), with the values read from the seat's own account."""
        from labguide.scenario.model import ChoiceAnswer, FactAnswer

        facts = self.facts()
        for question in self.loaded.scenario.step(step).questions:
            expect = question.expect
            if isinstance(expect, FactAnswer):
                value = next(facts[n] for n in expect.fact_names if facts.get(n))
            elif isinstance(expect, ChoiceAnswer):
                value = expect.correct[0]
            else:
                continue
            assert self.client.answer(question.id, value, step)["correct"], question.id

    def solve(self, step: str) -> None:
        """Do the step's solution with the seat's own keys (the server's checks see it)."""
        from labguide.actions import apply

        scenario = self.loaded.scenario
        facts = self.facts()
        apply(scenario.step(step), facts, self.target,
              now=self.target.now().strftime("%Y-%m-%dT%H:%M:%SZ"), confirmed=True)

    def wrong_filter(self, name: str = "not-the-key") -> None:
        """A GuardDuty filter on a key that is not the stolen one: filter-key must fail."""
        guardduty = self.target.client("guardduty")
        detector = guardduty.list_detectors()["DetectorIds"][0]
        guardduty.create_filter(
            DetectorId=detector, Name=name, Action="NOOP",
            FindingCriteria={"Criterion": {"resource.accessKeyDetails.accessKeyId": {
                "Eq": ["ASIAWRONGWRONGWRONG1"]}}})

    def messages(self) -> list[dict[str, Any]]:
        return self.client.messages(0)

    def shell(self, command: str) -> str:
        """A command on the instance through Run Command, as the app's shell pane sends it."""
        from labguide.actions.shell import run_shell

        output = run_shell(self.target, self.facts()["instance_id"], [command], timeout=30)
        return output.stdout
