"""`labguide test SCENARIO [--step ID] [--json]`: prove a scenario works on the simulator.

On a fresh simulated account, for each step in order: its state checks must not pass yet;
each of its `counterexamples` (declared wrong actions), applied to a fresh account brought
to the step's initial state (the earlier steps' solutions applied), must not pass either;
then its `solve` is applied and the checks must pass. A question whose expected answer is
a fact must have that fact known by its step. Exit 0 when all of that holds, 1 when any
of it does not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from labguide.checks import CheckRunner
from labguide.errors import UserError
from labguide.scenario import ContentError, load_scenario
from labguide.target import Target, check_simulated_region

SECONDS_BETWEEN_ACTIONS = 2.0  # the world clock moves on between operations, as a learner's does


@dataclass
class Outcome:
    """One assertion of the proof: `phase` is before, counterexample, solve, after or answer."""

    phase: str
    id: str
    ok: bool
    detail: str


@dataclass
class StepProof:
    id: str
    title: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return "passed" if all(o.ok for o in self.outcomes) else "failed"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status,
                "seconds": round(self.seconds, 2),
                "results": [asdict(outcome) for outcome in self.outcomes]}


class Account:
    """One fresh simulated account with the scenario's world, a target and a check runner."""

    def __init__(self, server: Any, loaded: Any, epoch: Any):
        scenario = loaded.scenario
        self.world = server.add_world(scenario.world.source, dict(scenario.world.params),
                                      region=scenario.region, seed=0, epoch=epoch)
        # This process owns the world: a waiter's delays pass on its clock, not in sleep.
        self.target = Target.for_simulator(server.endpoint_url, self.world.learner,
                                           scenario.region, clock=self.world.clock.now,
                                           pass_time=self.world.advance)
        self.runner = CheckRunner(loaded, self.target)
        self.loaded = loaded

    def close(self) -> None:
        self.runner.close()

    def round(self, step_id: str):
        self.world.tick()
        return self.runner.run_round([step_id])

    def apply(self, step: Any, operations: list[Any]) -> None:
        """Run `operations` (a solution or a counterexample) as `labguide solve` does."""
        from labguide.actions import apply
        from labguide.cli.check_cmd import solve_facts

        if not operations:
            return
        values, reasons = solve_facts(self.loaded, self.target)
        now = self.target.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            apply(step.model_copy(update={"solve": list(operations)}), values, self.target,
                  now=now, confirmed=True,
                  before=lambda _action: self.world.advance(SECONDS_BETWEEN_ACTIONS))
        except ContentError as exc:
            missing = "; ".join(f"{name}: {why}" for name, why in reasons.items())
            raise UserError(f"{exc}" + (f" ({missing})" if missing else "")) from None
        self.world.advance(SECONDS_BETWEEN_ACTIONS)


def _state_checks(step: Any) -> list[Any]:
    return [check for check in step.checks if check.kind != "answer"]


def _statuses(result: Any, step: Any) -> dict[str, Any]:
    return {check.id: check for check in result.step(step.id).checks}


class Prover:
    def __init__(self, loaded: Any):
        from labguide.sim.server import SimServer

        self.loaded = loaded
        self.scenario = loaded.scenario
        check_simulated_region(self.scenario.region)
        self.server = SimServer().start()
        self.epoch = None
        self.accounts: list[Account] = []

    def close(self) -> None:
        for account in self.accounts:
            account.close()
        self.server.stop()

    def account(self) -> Account:
        account = Account(self.server, self.loaded, self.epoch)
        self.epoch = self.epoch or account.world.epoch  # every account lives the same story
        self.accounts.append(account)
        return account

    def prove(self, only: str | None = None) -> list[StepProof]:
        main = self.account()
        untouched = main.runner.run_round()  # nothing done yet: no state check may pass
        self.untouched = {c.id: c for step in untouched.steps for c in step.checks}
        proofs: list[StepProof] = []
        for index, step in enumerate(self.scenario.steps):
            if only is not None and step.id != only:
                if self.scenario.step_ids.index(only) > index:
                    self._solve_quietly(main, step)
                continue
            started = time.monotonic()
            proof = StepProof(step.id, step.title)
            self._prove_step(main, index, step, proof)
            proof.seconds = time.monotonic() - started
            proofs.append(proof)
        return proofs

    def _solve_quietly(self, account: Account, step: Any) -> None:
        try:
            account.apply(step, step.solve)
        except UserError as exc:
            raise UserError(f"cannot reach the step's initial state: the solution of step "
                            f"{step.id} failed: {exc}") from None

    def _prove_step(self, main: Account, index: int, step: Any, proof: StepProof) -> None:
        state = _state_checks(step)
        before = main.round(step.id)
        found = _statuses(before, step)
        for check in state:
            verdict, fresh = found[check.id], self.untouched[check.id]
            if verdict.status == "failed":
                ok, detail = True, f"does not pass yet ({verdict.summary})"
            elif verdict.status == "passed" and fresh.status == "failed":
                # Settled by the earlier steps' solutions, though not on an untouched account.
                ok, detail = True, ("already passes: the earlier steps' solutions settle it "
                                    f"(on an untouched account: {fresh.summary})")
            elif verdict.status == "passed":
                ok, detail = False, f"passes on an untouched account ({fresh.summary})"
            else:
                ok, detail = False, f"{verdict.status}: {verdict.summary}"
            proof.outcomes.append(Outcome("before", check.id, ok, detail))
        self._answers(step, before, proof)
        for example in step.counterexamples:
            proof.outcomes.append(self._counterexample(index, step, example))
        if not state:
            return
        if not step.solve:
            proof.outcomes.append(Outcome("solve", step.id, False,
                                          "the step has checks but no solve to apply"))
            return
        try:
            main.apply(step, step.solve)
        except UserError as exc:
            proof.outcomes.append(Outcome("solve", step.id, False, f"applying it failed: {exc}"))
            return
        found = _statuses(main.round(step.id), step)
        for check in state:
            verdict = found[check.id]
            ok = verdict.status == "passed"
            proof.outcomes.append(Outcome("after", check.id, ok, (
                "passes after the solution" if ok else
                f"does not pass after the solution: {verdict.status}: {verdict.summary}")))

    def _answers(self, step: Any, result: Any, proof: StepProof) -> None:
        """Each question answered by a fact can be answered at its step."""
        for question in step.questions:
            names = getattr(question.expect, "fact_names", None)
            if not names:
                continue
            known = [name for name in names if result.facts.get(name)]
            reasons = "; ".join(f"{n}: {result.fact_reasons.get(n, 'unknown')}" for n in names)
            proof.outcomes.append(Outcome(
                "answer", question.id, bool(known),
                f"its answer ({', '.join(names)}) is in the account" if known else
                f"its answer cannot be known yet ({reasons})"))

    def _counterexample(self, index: int, step: Any, example: Any) -> Outcome:
        account = self.account()
        try:
            for earlier in self.scenario.steps[:index]:
                self._solve_quietly(account, earlier)
            try:
                account.apply(step, example.apply)
            except UserError as exc:
                return Outcome("counterexample", example.id, False,
                               f"could not be applied: {exc}")
            result = account.round(step.id)
        finally:
            account.close()
            self.accounts.remove(account)
        step_result = result.step(step.id)
        passed = [c.id for c in step_result.checks if c.status == "passed"
                  and c.id in {s.id for s in _state_checks(step)}]
        states = _state_checks(step)
        if states and len(passed) == len(states):
            return Outcome("counterexample", example.id, False,
                           f"passes, but must not: {example.description}")
        shown = "; ".join(f"{c.id} {c.status}: {c.summary}" for c in step_result.checks
                          if c.id not in passed)
        return Outcome("counterexample", example.id, True, f"does not pass ({shown})")


@contextmanager
def proving(loaded: Any) -> Iterator[Prover]:
    prover = Prover(loaded)
    try:
        yield prover
    finally:
        prover.close()


def print_proofs(scenario_id: str, proofs: list[StepProof], seconds: float) -> None:
    from labguide.cli.check_cmd import _icon

    for proof in proofs:
        print(f"{_icon(proof.status)} step {proof.id}: {proof.title} ({proof.seconds:.1f} s)")
        for outcome in proof.outcomes:
            mark = _icon("passed" if outcome.ok else "failed")
            print(f"    {mark} {outcome.phase:<14} {outcome.id}: {outcome.detail}")
    failed = [p.id for p in proofs if p.status != "passed"]
    verdict = (f"{len(failed)} of {len(proofs)} steps failed: {', '.join(failed)}" if failed
               else f"all {len(proofs)} steps proved")
    print(f"{scenario_id}: {verdict} in {seconds:.1f} s")


def cmd_test(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    scenario = loaded.scenario
    if args.step and args.step not in scenario.step_ids:
        raise UserError(f"unknown step {args.step!r} in scenario {scenario.id}; "
                        f"steps: {', '.join(scenario.step_ids)}")
    started = time.monotonic()
    with proving(loaded) as prover:
        proofs = prover.prove(args.step)
    seconds = time.monotonic() - started
    ok = all(p.status == "passed" for p in proofs)
    if args.json:
        print(json.dumps({"scenario": scenario.id, "status": "passed" if ok else "failed",
                          "seconds": round(seconds, 2),
                          "steps": [p.to_json() for p in proofs]}, indent=2))
    else:
        print_proofs(scenario.id, proofs, seconds)
    sys.stdout.flush()
    return 0 if ok else 1
