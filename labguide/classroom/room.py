"""A class: its seats' progress, judged on the server, and what the instructor may do.

The server runs every seat's checks itself (the scenario's CheckRunner on the seat's
account, signed with the seat's keys) on a schedule and shortly after each write to the
seat, so a participant on the AWS CLI progresses as one in the app does. Answers come
from the app's reports or `labguide answer` and are judged here with the same checks.
Participants' reports (current step, hints, answers revealed, help) only add what the
account cannot tell.

Step status: `done` once its checks passed (it stays done until a reset), `failing`
when the learner tried (an answer, or a write while on that step) and it still fails,
`in-progress` once started, else `not-started`.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from labguide.classroom import message_kinds
from labguide.classroom.seats import CHECKER_HEADER, SeatWorlds
from labguide.classroom.state import (
    ClassState,
    SeatRecord,
    changes,
    iso,
    now_iso,
    parse_iso,
    sql,
)
from labguide.classroom.status_cache import StatusCache
from labguide.errors import UserError
from labguide.sim.in_process import InProcess

log = logging.getLogger(__name__)
CHECK_PERIOD_SECONDS = 60.0  # every seat's checks, spread over this period
AFTER_WRITE_SECONDS = 1.0  # a write's round waits this long for the writes that follow it
CHECK_THREADS = 2
ATTACKER_WINDOW = timedelta(minutes=10)
REPORT_KINDS = ("step", "check", "step_done", "hint", "answer_revealed", "answer", "help")
MAX_TEXT = 2000


class Classroom:
    """One class on one server process: its state, its seats' worlds, its check rounds."""

    def __init__(self, loaded: Any, state: ClassState, worlds: SeatWorlds, *,
                 check_period: float = CHECK_PERIOD_SECONDS):
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.state = state
        self.worlds = worlds
        self.check_period = check_period
        self.step_ids = list(self.scenario.step_ids)
        self._runners: dict[int, Any] = {}
        self._facts: dict[int, dict[str, Any]] = {}  # each seat's facts, last round
        self._runners_lock = threading.Lock()
        self._generations: dict[int, int] = {}  # each seat's resets so far
        self._recording_locks: dict[int, threading.Lock] = {}
        self._due: list[tuple[float, int]] = []
        self._due_at: dict[int, float] = {}
        self._due_lock = threading.Condition()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(CHECK_THREADS, thread_name_prefix="labguide-class-check")
        self._running: set[int] = set()
        self._scheduler: threading.Thread | None = None
        self.rounds = 0
        worlds.on_write = lambda seat: self.schedule(seat, AFTER_WRITE_SECONDS, write=True)
        self._after_write: set[int] = set()
        self._stored_attacker: dict[int, str] = {}  # each seat's attacker column, as written
        self.status_cache = StatusCache(self)

    # ----- scheduling the server's checks --------------------------------------------------

    def start(self) -> None:
        """Each seat's first round now, before the class opens, then every seat on schedule.

        Why first: a seat's first round builds its checker's boto3 clients (~50 ms of CPU
        a seat); 200 seats' in the class's first minute made that minute's round p95
        235 ms against the steady 66 (bench/class_load.py, --workers 2). Done here, the
        instructor's status shows every seat's steps as the accounts have them from the
        first second."""
        seats = self.worlds.seats
        list(self._pool.map(self._first_round, seats))
        for index, seat in enumerate(seats):
            self.schedule(seat, self.check_period * (index + 1) / max(1, len(seats)))
        self._scheduler = threading.Thread(target=self._schedule_loop, daemon=True,
                                           name="labguide-class-scheduler")
        self._scheduler.start()

    def stop(self) -> None:
        self._stop.set()
        with self._due_lock:
            self._due_lock.notify_all()
        if self._scheduler is not None:
            self._scheduler.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._runners_lock:
            runners, self._runners = list(self._runners.values()), {}
        for runner in runners:
            runner.close(wait=False)

    def schedule(self, seat: int, delay: float, *, write: bool = False) -> None:
        """Check `seat` in `delay` seconds (an earlier booking stands)."""
        at = time.monotonic() + delay
        with self._due_lock:
            if write:
                self._after_write.add(seat)
            if seat in self._due_at and self._due_at[seat] <= at:
                return
            self._due_at[seat] = at
            heapq.heappush(self._due, (at, seat))
            self._due_lock.notify()

    def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            with self._due_lock:
                while not self._stop.is_set():
                    now = time.monotonic()
                    while self._due and self._due_at.get(self._due[0][1]) != self._due[0][0]:
                        heapq.heappop(self._due)  # superseded by an earlier booking
                    if self._due and self._due[0][0] <= now:
                        _, seat = heapq.heappop(self._due)
                        del self._due_at[seat]
                        break
                    timeout = self._due[0][0] - now if self._due else 1.0
                    self._due_lock.wait(min(timeout, 1.0))
                else:
                    return
            if seat in self._running:
                self.schedule(seat, AFTER_WRITE_SECONDS)
                continue
            self._running.add(seat)
            self._pool.submit(self._round_job, seat)

    def _first_round(self, seat: int) -> None:
        try:
            self.check_seat(seat)
        except Exception as exc:  # noqa: BLE001 - the class opens; the schedule tries again
            log.warning("seat %s: first check round failed: %s: %s", seat,
                        type(exc).__name__, exc)

    def _round_job(self, seat: int) -> None:
        try:
            self.check_seat(seat)
        except Exception as exc:  # noqa: BLE001 - one seat's failure must not stop the rest
            log.warning("seat %s: check round failed: %s: %s", seat, type(exc).__name__, exc)
        finally:
            self._running.discard(seat)
            if not self._stop.is_set():
                self.schedule(seat, self.check_period)

    # ----- the checks ----------------------------------------------------------------------

    def _runner(self, seat: int) -> Any:
        with self._runners_lock:
            runner = self._runners.get(seat)
            if runner is not None:
                return runner
        from labguide.checks import CheckRunner
        from labguide.target import Target

        world = self.worlds.world(seat)
        if world is None:
            raise UserError(f"seat {seat} is not served by this process")
        target = Target.for_simulator(self.worlds.server.endpoint_url, world.learner,
                                      self.scenario.region, clock=world.clock.now)
        token = self.worlds.checker_token
        # Answered in process: no connections of the server's to itself (see in_process)
        target.on_event("before-send.*.*", InProcess(
            self.worlds.server, lambda request: request.headers.__setitem__(CHECKER_HEADER,
                                                                             token)))
        runner = CheckRunner(self.loaded, target, max_workers=2)
        with self._runners_lock:
            self._runners[seat] = runner
        return runner

    def forget_runner(self, seat: int) -> None:
        with self._runners_lock:
            runner = self._runners.pop(seat, None)
        if runner is not None:
            runner.close(wait=False)

    def target(self, seat: int) -> Any:
        """The seat's account as the server's checks read it (not journaled)."""
        return self._runner(seat).target

    def acting_target(self, seat: int) -> Any:
        """The seat's account for the instructor's changes (journaled, replayed on restart)."""
        from labguide.target import Target

        world = self.worlds.world(seat)
        if world is None:
            raise UserError(f"seat {seat} is not served by this process")
        target = Target.for_simulator(self.worlds.server.endpoint_url, world.learner,
                                      self.scenario.region, clock=world.clock.now)
        target.on_event("before-send.*.*", InProcess(self.worlds.server))
        return target

    def latest_answers(self, seat: int) -> dict[tuple[str, str], str]:
        """Each question's latest answer (the one that stands, as in the app)."""
        return {(row["step"], row["question"]): row["value"] for row in self.state.answers(seat)}

    def check_seat(self, seat: int) -> Any:
        """One check round on the seat's account; the seat's steps updated from it, unless
        the seat was reset while the round ran (it read the world from before the reset,
        and would mark done a step the reset had just opened again)."""
        generation = self._generations.get(seat, 0)
        runner = self._runner(seat)
        result = runner.run_round(answers=self.latest_answers(seat))
        self.rounds += 1
        with self._recording_lock(seat):
            if self._generations.get(seat, 0) != generation:
                return result
            self._facts[seat] = dict(result.facts)
            with self._due_lock:
                after_write = seat in self._after_write
                self._after_write.discard(seat)
            self._record(seat, result, after_write)
            attacker = json.dumps(attacker_of(self.worlds.world(seat)))
            if self._stored_attacker.get(seat) != attacker:  # unchanged rows stay unwritten:
                self.state.update_seat(seat, attacker=attacker)  # the status cache keeps them
                self._stored_attacker[seat] = attacker
        return result

    def _recording_lock(self, seat: int) -> threading.Lock:
        with self._runners_lock:
            return self._recording_locks.setdefault(seat, threading.Lock())

    def _record(self, seat: int, result: Any, after_write: bool) -> None:
        rows = {row["step"]: row for row in self.state.steps(seat)}
        now = now_iso()
        first_open = self._first_open(rows)
        for index, step in enumerate(result.steps):
            row = rows.get(step.id)
            if row is None:
                continue
            checks = [{"id": c.id, "status": c.status, "summary": c.summary,
                       "expected": c.expected, "observed": c.observed} for c in step.checks]
            fields: dict[str, Any] = {"checks": json.dumps(checks),
                                      "passing": int(step.status == "passed")}
            if step.status == "passed" and not row["done_at"]:
                fields["done_at"] = now
                fields["started_at"] = row["started_at"] or now
                self.state.add_event(seat, "step-done", step.id, {"by": "server checks"})
                following = self.step_ids[index + 1] if index + 1 < len(self.step_ids) else None
                if following and not rows[following]["started_at"]:
                    self.state.update_step(seat, following, started_at=now)
            elif step.status in ("failed", "error") and not row["done_at"]:
                failing = [c for c in step.checks if c.status in ("failed", "error")]
                tried = after_write and step.id == first_open and \
                    any(c.status != "manual" for c in failing)
                if tried:
                    fields["attempts"] = sql("attempts + 1")
                    fields["failures"] = sql("failures + 1")
                if failing and (tried or row["failures"]):
                    worst = failing[0]
                    detail = {"check": worst.id, "summary": worst.summary,
                              "expected": worst.expected, "observed": worst.observed}
                    fields["last_failure"] = worst.summary
                    fields["last_failure_at"] = now
                    fields["last_failure_detail"] = json.dumps(detail)
                    if tried:  # the attempt the server counted, on the seat's timeline
                        self.state.add_event(seat, "check-failed", step.id, detail)
            if changes(row, fields):
                self.state.update_step(seat, step.id, **fields)

    def _first_open(self, rows: dict[str, dict]) -> str | None:
        return next((s for s in self.step_ids if not rows[s]["done_at"]), None)

    # ----- participants ----------------------------------------------------------------------

    def seat_for_code(self, code: str) -> SeatRecord | None:
        from labguide.classroom.seats import normal_code

        return self.state.seat_by_code(normal_code(code))

    def join(self, record: SeatRecord, name: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"last_seen": now_iso()}
        current = self.state.query("SELECT joined_at FROM seats WHERE seat = ?", (record.seat,))
        if not current or not current[0]["joined_at"]:
            fields["joined_at"] = fields["last_seen"]
            rows = {r["step"]: r for r in self.state.steps(record.seat)}
            first = self.step_ids[0]
            if not rows[first]["started_at"]:
                self.state.update_step(record.seat, first, started_at=fields["last_seen"])
        if name:
            fields["name"] = printable(name, 80)
        self.state.update_seat(record.seat, **fields)
        self.state.add_event(record.seat, "joined", None, {"name": fields.get("name")})
        return {"seat": record.seat, "name": fields.get("name", record.name),
                "scenario": self.scenario.id, "region": self.scenario.region,
                "account_id": record.account_id, "endpoint_url": record.endpoint_url,
                "access_key_id": record.access_key_id,
                "secret_access_key": record.secret_access_key}

    def report(self, record: SeatRecord, events: list[Any]) -> int:
        """Take a participant's reports; returns how many were accepted."""
        seat = record.seat
        accepted = 0
        self.state.update_seat(seat, last_seen=now_iso())
        for event in events[:200]:
            if not isinstance(event, dict) or event.get("kind") not in REPORT_KINDS:
                continue
            kind = event["kind"]
            step = event.get("step")
            if kind != "help" and step not in self.step_ids:
                continue
            accepted += 1
            if kind == "step":
                self.state.update_seat(seat, current_step=step)
                row = {r["step"]: r for r in self.state.steps(seat)}[step]
                if not row["started_at"]:
                    self.state.update_step(seat, step, started_at=now_iso())
            elif kind == "hint":
                self.state.update_step(seat, step, hints=sql("hints + 1"))
            elif kind == "answer_revealed":
                self.state.update_step(seat, step, answers_revealed=sql("answers_revealed + 1"))
            elif kind == "answer":
                question = str(event.get("question") or "")
                value = printable(event.get("value"), MAX_TEXT)
                correct = event.get("correct")
                self._record_answer(seat, step, question, value,
                                    correct if isinstance(correct, bool) else None, "app")
            elif kind == "help":
                on = bool(event.get("on", True))
                self.state.update_seat(seat, help=int(on), help_since=now_iso() if on else None,
                                       help_text=printable(event.get("text"), 500) if on else "")
            payload = {k: v for k, v in event.items() if k not in ("kind", "step")}
            if "value" in payload:
                payload["value"] = printable(payload["value"], MAX_TEXT)
            self.state.add_event(seat, f"report-{kind}", step, payload)
        return accepted

    def _record_answer(self, seat: int, step: str, question: str, value: str,
                       correct: bool | None, source: str, expected: str = "") -> None:
        self.state.add_answer(seat, step, question, value, correct, source)
        fields: dict[str, Any] = {"attempts": sql("attempts + 1")}
        if correct is True:  # a failure of this same question no longer stands
            row = next((r for r in self.state.steps(seat) if r["step"] == step), {})
            stored = json.loads(row.get("last_failure_detail") or "{}")
            if stored.get("check") == f"answer {question}":
                fields.update(last_failure=None, last_failure_at=None, last_failure_detail="{}")
        if correct is False:
            summary = f"answer {question}: {value[:80]!r} is not right"
            fields["failures"] = sql("failures + 1")
            fields["last_failure"] = summary
            fields["last_failure_at"] = now_iso()
            fields["last_failure_detail"] = json.dumps(
                {"check": f"answer {question}", "summary": summary,
                 "expected": expected or self._expected(step, question),
                 "observed": value[:200]})
        self.state.update_step(seat, step, **fields)
        self.schedule(seat, 0.2)

    def _expected(self, step: str, question: str) -> str:
        """The words of a right answer to `question` (for an answer judged in the app)."""
        from labguide.checks.kinds.answer import expected_text

        try:
            return expected_text(self._question(step, question)[1])
        except UserError:
            return f"the answer to {question}"

    def answer(self, record: SeatRecord, step: str | None, question: str,
               value: str) -> dict[str, Any]:
        """Judge a participant's answer on the server (the CLI's `labguide answer`)."""
        from labguide.checks.context import Memo, RoundContext
        from labguide.checks.facts import discover
        from labguide.checks.kinds._common import Unmet
        from labguide.checks.kinds.answer import judge

        found = self._question(step, question)
        step_id, spec = found
        value = printable(value, MAX_TEXT)
        target = self.target(record.seat)
        ctx = RoundContext(target=target, memo=Memo())
        discover(target, self.scenario.facts, ctx=ctx)
        try:
            verdict = judge(spec, value, ctx)
        except Unmet as unmet:
            verdict = unmet.verdict
        correct = verdict.status == "passed"
        self._record_answer(record.seat, step_id, spec.id, value,
                            correct if verdict.status in ("passed", "failed") else None, "cli",
                            expected=verdict.expected)
        self.state.update_seat(record.seat, last_seen=now_iso())
        self.state.add_event(record.seat, "answer", step_id,
                             {"question": spec.id, "value": value, "correct": correct})
        self.check_seat(record.seat)
        return {"step": step_id, "question": spec.id, "correct": correct,
                "status": verdict.status, "feedback": verdict.summary}

    def _question(self, step: str | None, question: str) -> tuple[str, Any]:
        for candidate in self.scenario.steps:
            if step and candidate.id != step:
                continue
            for spec in candidate.questions:
                if spec.id == question:
                    return candidate.id, spec
        where = f" in step {step}" if step else ""
        known = [f"{s.id}/{q.id}" for s in self.scenario.steps for q in s.questions]
        raise UserError(f"no question {question!r}{where}; questions: {', '.join(known)}")

    # ----- the instructor --------------------------------------------------------------------

    def record(self, seat: int) -> SeatRecord:
        for record in self.state.seats():
            if record.seat == seat:
                return record
        raise KeyError(seat)

    def reset(self, seat: int, step: str | None = None) -> dict[str, Any]:
        """The whole seat, or its world as it was when `step` began (journal replayed)."""
        record = self.record(seat)
        if step is not None and step not in self.step_ids:
            raise UserError(f"no step {step!r}; steps: {', '.join(self.step_ids)}")
        rows = {r["step"]: r for r in self.state.steps(seat)}
        index = self.step_ids.index(step) if step else 0
        before = rows[step]["started_at"] if step else None
        if step and not before:
            raise UserError(f"seat {seat} has not begun step {step} yet: nothing to go back to")
        with self._recording_lock(seat):  # a round in flight now records nothing
            self._generations[seat] = self._generations.get(seat, 0) + 1
        self.forget_runner(seat)
        self._facts.pop(seat, None)
        self.worlds.rebuild(record, before)
        now = now_iso()
        for step_id in self.step_ids[index:]:
            self.state.update_step(seat, step_id, attempts=0, failures=0, hints=0,
                                   answers_revealed=0, done_at=None, last_failure=None,
                                   last_failure_at=None, last_failure_detail="{}",
                                   checks="[]", passing=0,
                                   started_at=(before if step_id == step else None))
        self.state.delete_answers(seat, self.step_ids[index:])
        if not step:
            self.state.update_seat(seat, current_step=None, help=0, help_text="")
            self.state.update_step(seat, self.step_ids[0], started_at=now)
        else:
            self.state.update_seat(seat, current_step=step)
        self.state.add_event(seat, "reset", step, {"by": "instructor"})
        where = f"step {step}" if step else "the exercise"
        self.state.add_message(seat, f"The instructor reset your account to the start of "
                               f"{where}.", message_kinds.RESET)
        self.schedule(seat, 0.1)
        return {"ok": True, "seat": seat, "step": step}

    def solve(self, seat: int, step: str) -> dict[str, Any]:
        from labguide.actions import apply
        from labguide.checks.context import Memo, RoundContext
        from labguide.checks.facts import discover

        if step not in self.step_ids:
            raise UserError(f"no step {step!r}; steps: {', '.join(self.step_ids)}")
        spec = self.scenario.step(step)
        row = {r["step"]: r for r in self.state.steps(seat)}[step]
        if not row["started_at"]:  # solved before it was opened: it begins now, so a reset
            self.state.update_step(seat, step, started_at=now_iso())  # to it undoes the solve
        target = self.acting_target(seat)
        ctx = RoundContext(target=target, memo=Memo())
        facts = discover(target, self.scenario.facts, ctx=ctx).all()
        values = {n: f.value for n, f in facts.items()}
        done: list[str] = []
        if spec.solve:
            apply(spec, values, target, now=target.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                  confirmed=True, before=lambda action: done.append(action.describe()))
        answers: dict[str, str] = {}
        for question in spec.questions:  # answers-only steps: the model answer, recorded
            if question.expect is not None:
                value = _model_value(question, values)
                if value:
                    self.state.add_answer(seat, step, question.id, value, True, "instructor")
                    answers[question.id] = value
        self.state.add_event(seat, "solved", step, {"by": "instructor", "actions": done})
        # The participant's app keeps its own answers: it takes these as the instructor's.
        self.state.add_message(seat, f"The instructor solved step {spec.title!r} for you.",
                               message_kinds.SOLVED, {"step": step, "answers": answers})
        self.schedule(seat, 0.1)
        return {"ok": True, "seat": seat, "step": step, "actions": done}

    def message(self, text: str, seat: int | None) -> dict[str, Any]:
        text = printable(text, MAX_TEXT)
        if not text.strip():
            raise UserError("the message is empty")
        if seat is not None:
            self.record(seat)
        message_id = self.state.add_message(seat, text)
        self.state.add_event(seat, "message", None, {"text": text})
        return {"ok": True, "id": message_id, "seat": seat}

    def push_hint(self, seat: int) -> dict[str, Any]:
        row = self.status_of(seat)
        step_id = row["current_step"] or self.step_ids[0]
        spec = self.scenario.step(step_id)
        shown = next((s["hints"] for s in row["steps"] if s["id"] == step_id), 0)
        hints = [h for q in spec.questions for h in q.hints]
        if not hints:
            raise UserError(f"step {step_id} has no hints")
        text = hints[min(shown, len(hints) - 1)]
        self.state.update_step(seat, step_id, hints=sql("hints + 1"))
        self.state.add_message(seat, text, message_kinds.HINT)
        return {"ok": True, "seat": seat, "step": step_id, "hint": text}

    def seat_view(self, seat: int) -> dict[str, Any]:
        """What the instructor's read-only copy of the seat's panes needs from its world
        beyond AWS reads: the facts of the server's last check round (instance id, role…)
        and the attacker's recent calls, as the simulator's attacker route gives them."""
        from labguide.sim.moto_api import attacker_call_json

        record = self.record(seat)
        world = self.worlds.world(seat)
        if world is None:
            raise UserError(f"seat {seat} is not served by this process")
        facts = self._facts.get(seat)
        if facts is None:  # no round yet on this seat: read them now
            from labguide.checks.context import Memo, RoundContext
            from labguide.checks.facts import discover

            target = self.target(seat)
            found = discover(target, self.scenario.facts, ctx=RoundContext(target=target,
                                                                           memo=Memo()))
            facts = {name: fact.value for name, fact in found.all().items()}
        try:
            calls = [attacker_call_json(c) for c in world.attacker.recent_calls()[-200:]]
        except AttributeError:  # a world without an attacker
            calls = []
        return {"seat": seat, "account": record.account_id, "facts": facts, "calls": calls}

    def help_answered(self, seat: int) -> dict[str, Any]:
        self.record(seat)
        self.state.update_seat(seat, help=0, help_text="", help_since=None)
        self.state.add_event(seat, "help-answered", None, {})
        # The participant's app lowers the hand on this kind (labguide/tui/class_seat.py).
        self.state.add_message(seat, "The instructor has seen your request for help.",
                               message_kinds.HELP_ANSWERED)
        return {"ok": True, "seat": seat}

    # ----- status and export -------------------------------------------------------------------

    def status(self, *, board: bool = False) -> dict[str, Any]:
        """The class status (DESIGN.md's shape, plus optional keys). `board`: without each
        seat's `answers` and each step's `checks` (`GET /class/status?view=board`): what a
        dashboard polling 200 seats every 2 s needs, at about half the bytes and CPU."""
        return {
            "scenario": self.scenario.id, "now": now_iso(),
            "started_at": self.state.meta("started_at"),
            "attackers_paused": self.worlds.server.paused,
            "steps": [{"id": s.id, "title": s.title} for s in self.scenario.steps],
            "seats": self.seat_entries(None, board=board),
        }

    def status_of(self, seat: int) -> dict[str, Any]:
        """One seat's status entry (read alone: a seat's route must not cost the class's)."""
        entries = self.seat_entries(seat)
        if not entries:
            raise KeyError(seat)
        return entries[0]

    def seat_entries(self, only: int | list[int] | None, *, board: bool = False,
                    live_attacker: bool = True) -> list[dict[str, Any]]:
        """Seat entries (`only`: one seat, a few, or all). `live_attacker=False`: a seat
        whose world is here gets no `attacker` key (the status cache adds it per poll)."""
        wanted = [only] if isinstance(only, int) else only
        if wanted is not None and len(wanted) > 400:  # past SQLite's parameter limits
            chosen = set(wanted)
            return [e for e in self.seat_entries(None, board=board, live_attacker=live_attacker)
                    if e["seat"] in chosen]
        if wanted is None:
            seats = self.state.query("SELECT * FROM seats ORDER BY seat")
            step_rows = self.state.steps()
            answer_rows = () if board else self.state.answers()
        else:
            seats = self.state.seats_of(wanted)
            step_rows = self.state.steps_of(wanted)
            answer_rows = () if board else self.state.answers_of(wanted)
        steps: dict[int, dict[str, dict]] = {}
        for row in step_rows:
            steps.setdefault(row["seat"], {})[row["step"]] = row
        answers: dict[int, list[dict]] = {}
        for row in answer_rows:
            answers.setdefault(row["seat"], []).append(row)
        entries = [self._seat_json(seat, steps.get(seat["seat"], {}),
                                   answers.get(seat["seat"], []), board=board,
                                   live_attacker=live_attacker) for seat in seats]
        if board:
            for entry in entries:
                del entry["answers"]
        return entries

    def _seat_json(self, seat: dict, steps: dict[str, dict], answers: list[dict], *,
                   board: bool = False, live_attacker: bool = True) -> dict:
        cells = []
        for step_id in self.step_ids:
            row = steps.get(step_id) or {}
            cells.append(self._step_json(step_id, row, seat.get("current_step"), board))
        first_open = next((c["id"] for c in cells if c["status"] != "done"), None)
        current = seat.get("current_step") or first_open
        world = self.worlds.world(seat["seat"])
        done = all(c["status"] == "done" for c in cells)
        entry = {
            "seat": seat["seat"], "name": seat["name"], "account_id": seat["account_id"],
            "joined": bool(seat["joined_at"]), "joined_at": seat["joined_at"],
            "last_seen": seat["last_seen"], "current_step": current,
            "help": bool(seat["help"]), "help_text": seat["help_text"],
            "help_since": seat["help_since"], "error": seat["error"] or "",
            "status": "done" if done else None,
            "attacker": attacker_of(world) if world is not None
            else json.loads(seat.get("attacker") or "{}"), "steps": cells,
            "answers": [{"step": a["step"], "question": a["question"], "value": a["value"],
                         "correct": None if a["correct"] is None else bool(a["correct"]),
                         "at": a["at"], "source": a["source"]} for a in answers],
        }
        if world is not None and not live_attacker:
            del entry["attacker"]
        return entry

    @staticmethod
    def _step_json(step_id: str, row: dict, current: str | None,
                   board: bool = False) -> dict[str, Any]:
        if row.get("done_at"):
            status = "done"
        elif row.get("failures") and not row.get("passing") and row.get("last_failure"):
            status = "failing"
        elif row.get("started_at") or current == step_id:
            status = "in-progress"
        else:
            status = "not-started"
        entry = {"id": step_id, "status": status, "attempts": row.get("attempts", 0),
                 "failures": row.get("failures", 0), "hints": row.get("hints", 0),
                 "answers_revealed": row.get("answers_revealed", 0),
                 "started_at": row.get("started_at"), "done_at": row.get("done_at"),
                 "last_failure": row.get("last_failure"),
                 "last_failure_detail": _failure_detail(row)}
        if not board:
            # expected/observed stay in the seat's detail: 200 seats x 7 steps of them would
            # double the status (last_failure_detail has the failing one's)
            entry["checks"] = [{"id": c["id"], "status": c["status"], "summary": c["summary"]}
                               for c in json.loads(row.get("checks") or "[]")]
        return entry

    def seat_detail(self, seat: int) -> dict[str, Any]:
        entry = self.status_of(seat)
        entry["events"] = [{"at": e["at"], "kind": e["kind"], "step": e["step"],
                            "summary": _event_summary(e),
                            **{k: e["payload"][k] for k in EVENT_EXTRAS if k in e["payload"]}}
                           for e in self.state.events(seat)]
        rows = {r["step"]: r for r in self.state.steps(seat)}
        entry["checks"] = [{"id": s.id, "title": s.title,
                            "status": _round_status(json.loads(rows[s.id]["checks"] or "[]")),
                            "checks": json.loads(rows[s.id]["checks"] or "[]")}
                           for s in self.scenario.steps]
        return entry

    def export(self, fmt: str) -> tuple[str, bytes]:
        status = self.status()
        rows = []
        for seat in status["seats"]:
            for step in seat["steps"]:
                started, done = parse_iso(step["started_at"]), parse_iso(step["done_at"])
                took = round((done - started).total_seconds()) if started and done else None
                rows.append({"seat": seat["seat"], "name": seat["name"], "step": step["id"],
                             "status": step["status"], "time_to_done_s": took,
                             "attempts": step["attempts"], "hints": step["hints"],
                             "answers_revealed": step["answers_revealed"],
                             "done_at": step["done_at"]})
        if fmt == "json":
            return "application/json", json.dumps({"scenario": status["scenario"],
                                                   "rows": rows}, indent=2).encode()
        if fmt != "csv":
            raise UserError(f"--format must be csv or json, not {fmt!r}")
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["seat"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_safe(v) for k, v in row.items()})
        return "text/csv", out.getvalue().encode()


def printable(value: Any, limit: int) -> str:
    """Participant text as stored: control characters dropped, bounded."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")[:limit]


def _csv_safe(value: Any) -> Any:
    """No spreadsheet formulas from a participant's name."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _model_value(question: Any, facts: dict[str, Any]) -> str | None:
    from labguide.scenario.model import ChoiceAnswer, FactAnswer

    expect = question.expect
    if isinstance(expect, FactAnswer):
        return next((facts[n] for n in expect.fact_names if facts.get(n)), None)
    if isinstance(expect, ChoiceAnswer):
        return expect.correct[0] if expect.correct else None
    return None


def attacker_of(world: Any) -> dict[str, Any]:
    if world is None:
        return {}
    try:
        calls = list(world.attacker.recent_calls())
        now = world.clock.now()
    except Exception:  # noqa: BLE001 - a world without an attacker
        return {}
    return attacker_summary(calls, now)[0]


def attacker_summary(calls: list[Any], now: Any) -> tuple[dict[str, Any], Any]:
    """(the seat's attacker summary at `now`, the last moment it still holds unless the
    attacker calls again: when its oldest call in the window leaves it; None: no call in
    the window, so only a new call changes it)."""
    recent = [c for c in calls if c.at >= now - ATTACKER_WINDOW]
    denied = sum(1 for c in recent if not c.allowed)
    summary = {"calls": len(calls), "last_call_at": iso(calls[-1].at) if calls else None,
               "allowed": len(recent) - denied, "denied": denied,
               "window_s": int(ATTACKER_WINDOW.total_seconds())}
    return summary, (min(c.at for c in recent) + ATTACKER_WINDOW if recent else None)


EVENT_EXTRAS = ("text", "cli", "expected", "observed")  # payload keys a timeline shows


def _failure_detail(row: dict) -> dict[str, Any] | None:
    """{summary, expected, observed, at} of the step's last failure (DESIGN's
    `last_failure` string stays as it is; this object adds what the instructor reads)."""
    if not row.get("last_failure"):
        return None
    stored = json.loads(row.get("last_failure_detail") or "{}")
    return {"summary": row.get("last_failure"), "expected": stored.get("expected"),
            "observed": stored.get("observed"), "check": stored.get("check"),
            "at": row.get("last_failure_at")}


def _round_status(checks: list[dict]) -> str:
    statuses = {c["status"] for c in checks}
    if not checks:
        return "manual"
    for status in ("error", "failed", "manual"):
        if status in statuses:
            return status
    return "passed"


def _event_summary(event: dict) -> str:
    payload = event["payload"]
    kind = event["kind"]
    if kind == "report-answer":
        right = {True: "right", False: "wrong"}.get(payload.get("correct"), "unjudged")
        return f"answered {payload.get('question')}: {payload.get('value')!r} ({right})"
    if kind == "answer":
        return f"answered {payload.get('question')} on the CLI: {payload.get('value')!r}"
    if kind == "report-help":
        return "asked for help" if payload.get("on", True) else "lowered the hand"
    if kind == "check-failed":
        return f"{payload.get('check')}: {payload.get('summary')}"
    if kind == "report-check":  # the app's round: a check's status changed
        return (f"{payload.get('check')} {payload.get('status')} (in the app): "
                f"{payload.get('summary') or ''}").rstrip(": ")
    if kind == "aws-write":
        return f"{payload.get('service')}:{payload.get('operation')}"
    if kind == "journal-cut":
        return (f"restart: the rebuilt account refused {payload.get('operation')} "
                f"({payload.get('status')}); it is back as before it, "
                f"{payload.get('dropped')} request(s) not replayed")
    return kind.replace("report-", "").replace("-", " ").replace("_", " ")

