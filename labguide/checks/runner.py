"""A check round: every requested step's checks run concurrently on a bounded pool,
sharing one round context so each fact and shared read is fetched once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from labguide.checks.context import Memo, RoundContext
from labguide.checks.facts import discover
from labguide.checks.kinds import runner_for
from labguide.checks.kinds._common import Unmet
from labguide.checks.results import CheckResult, RoundResult, StepResult, Verdict, step_status
from labguide.errors import UserError
from labguide.target import AwsCallFailed, ChangeRefused, Target, mask_keys

MAX_WORKERS = 8


class CheckRunner:
    """Judges a scenario's steps against one target; reusable across rounds."""

    def __init__(self, loaded, target: Target, *, max_workers: int = MAX_WORKERS):
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.target = target
        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="labguide-check")
        self._account: str | None = None
        self._lasting: dict = {}
        self._lock = threading.Lock()

    def close(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> CheckRunner:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        self.close(wait=exc_type is None)  # on Ctrl-C, do not wait for a slow read

    def steps_for(self, step_ids: Sequence[str] | None):
        if step_ids is None:
            return list(self.scenario.steps)
        known = self.scenario.step_ids
        unknown = [s for s in step_ids if s not in known]
        if unknown:
            raise UserError(f"unknown step {unknown[0]!r} in scenario {self.scenario.id}; "
                            f"steps: {', '.join(known)}")
        return [self.scenario.step(s) for s in step_ids]

    def run_round(self, step_ids: Sequence[str] | None = None,
                  answers: Mapping[tuple[str, str], str] | None = None, *,
                  findings: Callable[[], Any] | None = None,
                  focus: str | None = None) -> RoundResult:
        """Judge the steps; `findings` (a FindingsRead source) is a findings read shared
        with the app's panes (see labguide.checks.findings); `focus` the step the learner
        is on (RoundContext.focus)."""
        steps = self.steps_for(step_ids)
        ctx = RoundContext(target=self.target, answers=dict(answers or {}), memo=Memo(),
                           lasting=self._lasting, findings=findings, focus=focus)
        facts = discover(self.target, self.scenario.facts, ctx=ctx)
        identity = self._pool.submit(self._account_changed)
        fact_jobs = [self._pool.submit(facts.get, name) for name in facts.names]
        check_jobs: list[tuple[object, object, Future]] = [
            (step, check, self._pool.submit(self._judge, step, check, ctx))
            for step in steps for check in step.checks
        ]
        for job in fact_jobs:
            job.result()
        changed = identity.result()
        results: dict[str, list[CheckResult]] = {step.id: [] for step in steps}
        for step, check, job in check_jobs:
            verdict: Verdict = job.result()
            if changed and check.kind != "answer":
                verdict = Verdict("error", changed, verdict.expected, "the account changed")
            results[step.id].append(CheckResult(
                id=check.id, status=verdict.status, summary=mask_keys(verdict.summary),
                expected=mask_keys(verdict.expected), observed=mask_keys(verdict.observed)))
        all_facts = facts.all()
        return RoundResult(
            steps=[StepResult(step.id, step.title, step_status(results[step.id]),
                              results[step.id]) for step in steps],
            facts={name: fact.value for name, fact in all_facts.items()},
            fact_reasons={name: fact.reason for name, fact in all_facts.items() if fact.reason},
        )

    def _judge(self, step, check, ctx: RoundContext) -> Verdict:
        try:
            return runner_for(check.kind)(check, ctx, step)
        except Unmet as unmet:
            return unmet.verdict
        except ChangeRefused as refused:  # reading this state would change a real account
            return Verdict("manual", refused.reason, "", "not read: changes are off")
        except AwsCallFailed as failure:
            return Verdict("error", failure.reason, "", "the account could not be read")
        except Exception as exc:  # a bug must not take the round down; say what broke
            return Verdict("error", f"internal error in check {check.id}: "
                           f"{type(exc).__name__}: {exc}", "", "")

    def _account_changed(self) -> str | None:
        """A restarted simulator answers for another (default) account: every reading
        would be a false `failed`, so say so instead. (An embedded simulator lives and
        dies with its target, so it is not asked.)"""
        try:
            if self.target.kind == "sim":
                self.target.identity()  # asked once, for the account id in reports
                return None
            current = self.target.identity(refresh=True).account_id
        except Exception:  # an identity read that fails in any way must not end the round
            return None  # the checks themselves report what they cannot read
        with self._lock:
            if self._account is None:
                self._account = current
                return None
            if current != self._account:
                return (f"the endpoint now answers for account {current}, not {self._account}: "
                        "it was restarted or the credentials changed; start the checks again")
        return None
