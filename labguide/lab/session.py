"""One learner working through one scenario: progress, facts, check results.

The screen asks the session what to show and tells it what the learner did;
the session saves every change through the progress store at once. Check
rounds run in worker threads (`run_round`), their results are applied on the
app's thread (`apply_round`). Every change it saves is also a LabEvent for
its observers (`session.events.subscribe`: class reporting). Textual-free.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labguide.lab import events as ev
from labguide.lab.connection import Connection
from labguide.lab.feed import FindingsFeed
from labguide.progress import Progress, ProgressStore
from labguide.progress.store import StoreError
from labguide.scenario.model import Question, Step

log = logging.getLogger(__name__)

NOT_STARTED, VISITED, IN_PROGRESS, DONE = "not started", "visited", "in progress", "done"
STATE_ICONS = {NOT_STARTED: "○", VISITED: "◌", IN_PROGRESS: "◐", DONE: "✓"}


@dataclass(frozen=True)
class AnswerVerdict:
    correct: bool | None  # None: the question has no expected answer (saved, not judged)
    message: str


class LabSession:
    def __init__(self, loaded: Any, connection: Connection, store: ProgressStore,
                 progress: Progress):
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.connection = connection
        self.store = store
        self.progress = progress
        self.facts: dict[str, str | None] = {name: None for name in self.scenario.facts}
        self.fact_reasons: dict[str, str] = {}
        self.results: dict[str, Any] = {}  # step id -> StepResult of the last round
        self.last_refresh: datetime | None = None
        self.last_error: str | None = None
        self.visited: set[str] = set()
        self._runner: Any = None
        self._closed = False
        self._runner_lock = threading.Lock()  # a round starting as the app closes
        self.events = ev.Observers()
        self.findings = FindingsFeed()  # one findings read per refresh: panes and rounds
        # Saving can stop mid-session (full disk, the file gone read-only): the lab goes on
        # in memory, the first failure is told to these listeners (the app warns).
        self.save_error: str | None = None
        self.save_failed_listeners: list[Callable[[str], None]] = []
        # Rewinds (labguide.lab.rewind): a round read before the latest one is dropped, and
        # the kept answers of rewound steps are judged again after the next round.
        self.rewinds = 0
        # Unjudged answers (a rewind, in the app or `labguide rewind`): judged after a round.
        self.rejudge: set[tuple[str, str]] = {key for key, saved in progress.answers.items()
                                              if saved.correct is None}
        self.rejudged = False  # the last round judged kept answers again (cards refresh)
        connection.on_ready(lambda: self._mark_opened(self.current_step_id()))

    def emit(self, kind: str, step_id: str, question_id: str | None = None,
             **detail: Any) -> None:
        """Tell the observers what the learner did (see labguide.lab.events)."""
        self.events.emit(ev.LabEvent(kind, self.scenario.id, step_id, question_id, detail))

    @property
    def account(self) -> str:
        return self.progress.account

    @property
    def target(self) -> Any:
        return self.connection.target if self.connection.ready else None

    # ----- steps --------------------------------------------------------------------------

    @property
    def steps(self) -> list[Step]:
        return list(self.scenario.steps)

    def current_step_id(self) -> str:
        current = self.progress.current_step
        return current if current in self.scenario.step_ids else self.scenario.step_ids[0]

    def set_current(self, step_id: str) -> None:
        self.visited.add(step_id)
        if step_id != self.progress.current_step:
            self._save(self.store.set_current_step, self.scenario.id, self.account, step_id)
            self._reload()
        self._mark_opened(step_id)
        self.emit(ev.STEP_OPENED, step_id)

    def _mark_opened(self, step_id: str) -> None:
        """The simulator notes a step's first opening: a rewind comes back to it."""
        mark = getattr(self.connection.embedded, "mark_step", None)
        if mark is not None:
            try:
                mark(step_id)
            except OSError as exc:  # the journal cannot be written: rewinding there is off
                log.warning("cannot mark step %s in the simulator journal: %s", step_id, exc)

    def forget_steps(self, step_ids: tuple[str, ...]) -> None:
        """A rewind: these steps' passed checks and done marks are forgotten (their answers
        kept, judged again after the next round), and rounds read before now dropped."""
        self.rewinds += 1
        self._save(self.store.forget_steps, self.scenario.id, self.account, list(step_ids))
        for step_id in step_ids:
            self.results.pop(step_id, None)
        self._reload()
        self.rejudge |= {key for key in self.progress.answers if key[0] in step_ids}
        with self._runner_lock:  # its lasting reads (an instance's key) belong to the old world
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close(wait=False)

    def open_rewound(self, step_id: str) -> None:
        """The rewound step becomes the current one."""
        self.visited.add(step_id)
        self._save(self.store.set_current_step, self.scenario.id, self.account, step_id)
        self._reload()

    def state(self, step_id: str) -> str:
        """done; in progress once the learner did something there (an answer, a hint or a
        model answer shown, a check passed); visited when only opened; else not started."""
        if step_id in self.progress.steps_done:
            return DONE
        result = self.results.get(step_id)
        started = (
            any(s == step_id for s, _ in self.progress.answers)
            or any(s == step_id for s, _ in self.progress.hints_shown)
            or any(s == step_id for s, _ in self.progress.answers_revealed)
            or any(s == step_id for s, _ in self.progress.checks_passed)
            or any(c.status == "passed" for c in getattr(result, "checks", []))
        )
        if started:
            return IN_PROGRESS
        if step_id in self.visited or step_id == self.progress.current_step:
            return VISITED
        return NOT_STARTED

    def done_count(self) -> int:
        return sum(1 for s in self.scenario.step_ids if s in self.progress.steps_done)

    def all_done(self) -> bool:
        return self.done_count() == len(self.scenario.steps)

    # ----- questions ----------------------------------------------------------------------

    def hints_shown(self, step_id: str, question_id: str) -> int:
        return self.progress.hints_shown.get((step_id, question_id), 0)

    def answer_revealed(self, step_id: str, question_id: str) -> bool:
        return (step_id, question_id) in self.progress.answers_revealed

    def saved_answer(self, step_id: str, question_id: str):
        return self.progress.answers.get((step_id, question_id))

    def reveal_next_hint(self, step_id: str, question: Question) -> int:
        shown = min(self.hints_shown(step_id, question.id) + 1, len(question.hints))
        self._save(self.store.reveal_hint, self.scenario.id, self.account, step_id,
                   question.id, shown)
        self._reload()
        self.emit(ev.HINT_SHOWN, step_id, question.id, shown=shown)
        return shown

    def reveal_answer(self, step_id: str, question: Question) -> None:
        self._save(self.store.reveal_answer, self.scenario.id, self.account, step_id,
                   question.id)
        self._reload()
        self.emit(ev.ANSWER_REVEALED, step_id, question.id)

    def judge(self, question: Question, answer: str) -> AnswerVerdict:
        """Judge a typed answer with the checks layer's answer logic, on the facts as last read."""
        from labguide.checks.context import RoundContext
        from labguide.checks.kinds._common import Unmet
        from labguide.checks.kinds.answer import judge

        if question.expect is None:
            return AnswerVerdict(None, "Answer saved. Compare it with the model answer.")
        ctx = RoundContext(target=self.connection.target)
        ctx.facts = _LastKnownFacts(self.facts, self.fact_reasons)
        try:
            verdict = judge(question, answer, ctx)
        except Unmet as unmet:
            return AnswerVerdict(False, f"Cannot check yet: {unmet.verdict.summary}")
        if verdict.status == "passed":
            return AnswerVerdict(True, "Correct.")
        return AnswerVerdict(False, "Not quite: try again, or take a hint.")

    def submit_answer(self, step_id: str, question: Question, answer: str) -> AnswerVerdict:
        verdict = self.judge(question, answer)
        self._save(self.store.save_answer, self.scenario.id, self.account, step_id,
                   question.id, answer.strip(), verdict.correct)
        self._reload()
        self.emit(ev.ANSWER_JUDGED, step_id, question.id, correct=verdict.correct,
                  text=answer.strip())  # the instructor reads it (class reports)
        return verdict

    def take_solved_answers(self, step_id: str, answers: Mapping[str, Any]) -> list[str]:
        """The model answers of a step the instructor solved on the class server, saved here
        as right (the server judged them in this seat's world) and not reported back as the
        learner's; returns the question ids taken."""
        try:
            step = self.scenario.step(step_id)
        except KeyError:
            return []
        taken: list[str] = []
        for question in step.questions:
            text = answers.get(question.id)
            if question.expect is not None and isinstance(text, str) and text.strip():
                self._save(self.store.save_answer, self.scenario.id, self.account, step_id,
                           question.id, text.strip(), True)
                taken.append(question.id)
        if taken:
            self._reload()
        return taken

    # ----- checks -------------------------------------------------------------------------

    def runner(self) -> Any:
        from labguide.checks import CheckRunner

        with self._runner_lock:
            if self._closed:  # a round that started as the app ended: no new pool
                raise RuntimeError("the lab session has ended")
            if self._runner is None:
                self._runner = CheckRunner(self.loaded, self.connection.target)
            return self._runner

    def close(self) -> None:
        """Stop the check pool without waiting for a read in flight (the app is ending)."""
        with self._runner_lock:
            self._closed = True
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close(wait=False)

    def run_round(self) -> Any:
        """A full check round with the learner's answers (blocking: call from a worker),
        on this refresh's findings read (`findings.advance()` begins a refresh)."""
        generation = self.rewinds
        runner = self.runner()
        result = runner.run_round(answers=self.progress.answer_texts(),
                                  findings=self.findings.source(runner.target),
                                  focus=self.current_step_id())
        return ReadRound(result, generation)

    def apply_round(self, result: Any, now: datetime) -> list[str]:
        """Keep a round's results, save what passed; returns the steps newly done.
        A round read before the latest rewind describes another account: dropped."""
        if isinstance(result, ReadRound):
            if result.generation != self.rewinds:
                return []
            result = result.result
        self.facts.update(result.facts)
        self.fact_reasons = dict(getattr(result, "fact_reasons", {}) or {})
        self.rejudged = bool(self.rejudge)
        if self.rejudge:
            self._judge_again()
        self.last_refresh = now
        newly_done: list[str] = []
        for step_result in result.steps:
            self._emit_check_changes(self.results.get(step_result.id), step_result)
            self.results[step_result.id] = step_result
            passed = [c.id for c in step_result.checks if c.status == "passed"]
            complete = self._step_complete(step_result)
            known = {c for s, c in self.progress.checks_passed if s == step_result.id}
            newly = complete and step_result.id not in self.progress.steps_done
            if (set(passed) - known) or newly:
                self._save(self.store.record_checks, self.scenario.id, self.account,
                           step_result.id, passed, complete)
                if complete and step_result.id not in self.progress.steps_done:
                    newly_done.append(step_result.id)
        self._reload()
        for step_id in newly_done:
            self.emit(ev.STEP_DONE, step_id)
        return newly_done

    def _judge_again(self) -> None:
        """The kept answers of rewound steps, judged on the facts just read."""
        pending, self.rejudge = self.rejudge, set()
        for step_id, question_id in sorted(pending):
            saved = self.progress.answers.get((step_id, question_id))
            question = next((q for q in self.scenario.step(step_id).questions
                             if q.id == question_id), None)
            if saved is None or question is None or question.expect is None:
                continue
            verdict = self.judge(question, saved.text)
            if verdict.correct != saved.correct:
                self._save(self.store.save_answer, self.scenario.id, self.account, step_id,
                           question_id, saved.text, verdict.correct)
        self._reload()

    def _emit_check_changes(self, before: Any, after: Any) -> None:
        old = {c.id: c.status for c in getattr(before, "checks", [])}
        for check in after.checks:
            if old.get(check.id) != check.status:
                self.emit(ev.CHECK_JUDGED, after.id, check=check.id, status=check.status,
                          summary=check.summary)

    def _step_complete(self, step_result: Any) -> bool:
        step = self.scenario.step(step_result.id)
        if step.checks:
            return all(c.status == "passed" for c in step_result.checks)
        # No checks: done once every question was answered or its answer revealed.
        return bool(step.questions) and all(
            (step.id, q.id) in self.progress.answers or self.answer_revealed(step.id, q.id)
            for q in step.questions
        ) or (not step.questions and step.id in self.visited)

    def step_check_summary(self, step_id: str) -> tuple[str, str]:
        """(status word, detail) of a step's checks as last read."""
        step = self.scenario.step(step_id)
        if not step.checks:
            return "none", "this step has no checks"
        result = self.results.get(step_id)
        if result is None:
            return "pending", "not checked yet"
        statuses = [c.status for c in result.checks]
        for word in ("error", "failed", "manual"):
            if word in statuses:
                return word, f"{statuses.count('passed')}/{len(statuses)} passed"
        return "passed", f"{len(statuses)}/{len(statuses)} passed"

    def _reload(self) -> None:
        if self.save_error is not None:
            return  # the file is not being written: what it holds is older than the screen
        try:
            self.progress = self.store.load(self.scenario.id, self.account)
        except (StoreError, sqlite3.Error) as exc:
            self._saving_stopped(str(exc))

    def _save(self, write: Callable[..., Any], *args: Any) -> None:
        """A store write; if it fails, the lab goes on and the listeners are told once."""
        try:
            write(*args)
        except StoreError as exc:
            self._saving_stopped(str(exc))

    def _saving_stopped(self, reason: str) -> None:
        first = self.save_error is None
        self.save_error = reason
        log.warning("saving progress stopped: %s", reason)
        if first:
            for listener in list(self.save_failed_listeners):
                try:
                    listener(reason)
                except Exception:  # a listener's failure must not reach the learner
                    log.exception("save-failed listener")

    # ----- text ---------------------------------------------------------------------------

    def text_as_loaded(self, step_id: str) -> str | None:
        """The step's text without a render (Jinja-free, at once) while no fact it reads
        is known; None: render it (labguide.scenario.step_texts)."""
        from labguide.scenario.step_texts import text_as_loaded

        return text_as_loaded(self.loaded.step_texts, step_id, self.facts)

    def render(self, step_id: str, facts: dict[str, str | None] | None = None) -> str:
        """The step's markdown with `facts` (default: the session's) filled in. Safe in a
        worker thread given a copy of the facts (the app's thread changes them)."""
        from labguide.scenario import render_step

        return render_step(self.loaded, step_id, self.facts if facts is None else facts)

    def render_finish(self) -> str:
        from labguide.scenario import render_finish

        return render_finish(self.loaded, self.facts)


@dataclass(frozen=True)
class ReadRound:
    """A check round's result and the rewind it was read after."""

    result: Any
    generation: int


class _LastKnownFacts:
    """The facts of the last check round, in the shape the answer logic reads."""

    def __init__(self, values: dict[str, str | None], reasons: dict[str, str]):
        self._values, self._reasons = values, reasons

    def get(self, name: str) -> Any:
        from labguide.checks.facts import Fact

        value = self._values.get(name)
        reason = self._reasons.get(name) or "the account has not been read yet"
        return Fact(value, "" if value is not None else reason)

    def value(self, name: str) -> str | None:
        return self._values.get(name)
