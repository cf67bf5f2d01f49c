"""Durable progress: what a learner has done in a scenario on one account.

SQLite in WAL mode with synchronous=FULL, one transaction per save: once a
save method returns, the change survives a kill -9 or a power cut. Rows are
keyed by (scenario id, account) so one learner can practise the same scenario
on the simulator and on a real account without the two mixing.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from labguide.awstime import parse_instant, to_utc

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    scenario_id TEXT NOT NULL, account TEXT NOT NULL,
    seed INTEGER NOT NULL, epoch TEXT NOT NULL,
    current_step TEXT, started_at TEXT NOT NULL,
    PRIMARY KEY (scenario_id, account));
CREATE TABLE IF NOT EXISTS answers (
    scenario_id TEXT NOT NULL, account TEXT NOT NULL, step_id TEXT NOT NULL,
    question_id TEXT NOT NULL, answer TEXT NOT NULL, correct INTEGER, at TEXT NOT NULL,
    PRIMARY KEY (scenario_id, account, step_id, question_id));
CREATE TABLE IF NOT EXISTS reveals (
    scenario_id TEXT NOT NULL, account TEXT NOT NULL, step_id TEXT NOT NULL,
    question_id TEXT NOT NULL, hints_shown INTEGER NOT NULL DEFAULT 0,
    answer_revealed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scenario_id, account, step_id, question_id));
CREATE TABLE IF NOT EXISTS checks_passed (
    scenario_id TEXT NOT NULL, account TEXT NOT NULL, step_id TEXT NOT NULL,
    check_id TEXT NOT NULL, passed_at TEXT NOT NULL,
    PRIMARY KEY (scenario_id, account, step_id, check_id));
CREATE TABLE IF NOT EXISTS steps_done (
    scenario_id TEXT NOT NULL, account TEXT NOT NULL, step_id TEXT NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (scenario_id, account, step_id));
"""

_TABLES = ("answers", "reveals", "checks_passed", "steps_done", "sessions")

StepQuestion = tuple[str, str]


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return parse_instant(value)  # naive means UTC, never this machine's zone


@dataclass(frozen=True)
class AnswerRecord:
    text: str
    correct: bool | None
    at: datetime


@dataclass(frozen=True)
class Progress:
    """A snapshot of one learner's progress in one scenario on one account."""

    scenario_id: str
    account: str
    seed: int
    epoch: datetime
    current_step: str | None = None
    answers: dict[StepQuestion, AnswerRecord] = field(default_factory=dict)
    hints_shown: dict[StepQuestion, int] = field(default_factory=dict)
    answers_revealed: frozenset[StepQuestion] = frozenset()
    checks_passed: dict[tuple[str, str], datetime] = field(default_factory=dict)
    steps_done: dict[str, datetime] = field(default_factory=dict)

    def answer_texts(self) -> dict[StepQuestion, str]:
        return {key: record.text for key, record in self.answers.items()}


class ProgressStore:
    """One SQLite file; safe to call from several threads (calls are serialised)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=10
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        with self._transaction() as cur:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                cur.execute(statement)
            cur.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ----- sessions -----------------------------------------------------------------------

    def open_session(
        self,
        scenario_id: str,
        account: str,
        *,
        seed: int | None = None,
        epoch: datetime | None = None,
        reset: bool = False,
    ) -> Progress:
        """Load (or start) the learner's session; `reset` forgets everything first.

        seed/epoch fix the simulated world of a new session; an existing session
        keeps the ones it started with, so its world resumes identically.
        """
        with self._transaction() as cur:
            if reset:
                for table in _TABLES:
                    cur.execute(
                        f"DELETE FROM {table} WHERE scenario_id=? AND account=?",
                        (scenario_id, account),
                    )
            row = cur.execute(
                "SELECT seed FROM sessions WHERE scenario_id=? AND account=?",
                (scenario_id, account),
            ).fetchone()
            if row is None:
                new_seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
                new_epoch = to_utc(epoch or datetime.now(UTC)).replace(microsecond=0)
                cur.execute(
                    "INSERT INTO sessions(scenario_id, account, seed, epoch, current_step,"
                    " started_at) VALUES (?, ?, ?, ?, NULL, ?)",
                    (scenario_id, account, new_seed, new_epoch.isoformat(), _now()),
                )
        return self.load(scenario_id, account)

    def load(self, scenario_id: str, account: str) -> Progress:
        key = (scenario_id, account)
        with self._lock:
            cur = self._conn.cursor()
            session = cur.execute(
                "SELECT seed, epoch, current_step FROM sessions WHERE scenario_id=? AND account=?",
                key,
            ).fetchone()
            if session is None:
                raise KeyError(f"no session for {scenario_id} on {account}")
            answers = {
                (s, q): AnswerRecord(text, None if ok is None else bool(ok), _parse(at))
                for s, q, text, ok, at in cur.execute(
                    "SELECT step_id, question_id, answer, correct, at FROM answers"
                    " WHERE scenario_id=? AND account=?", key)
            }
            hints: dict[StepQuestion, int] = {}
            revealed: set[StepQuestion] = set()
            for s, q, shown, rev in cur.execute(
                "SELECT step_id, question_id, hints_shown, answer_revealed FROM reveals"
                " WHERE scenario_id=? AND account=?", key):
                hints[(s, q)] = shown
                if rev:
                    revealed.add((s, q))
            checks = {
                (s, c): _parse(at)
                for s, c, at in cur.execute(
                    "SELECT step_id, check_id, passed_at FROM checks_passed"
                    " WHERE scenario_id=? AND account=?", key)
            }
            done = {
                s: _parse(at)
                for s, at in cur.execute(
                    "SELECT step_id, done_at FROM steps_done"
                    " WHERE scenario_id=? AND account=?", key)
            }
        return Progress(
            scenario_id=scenario_id, account=account, seed=session[0],
            epoch=parse_instant(session[1]), current_step=session[2],
            answers=answers, hints_shown=hints, answers_revealed=frozenset(revealed),
            checks_passed=checks, steps_done=done,
        )

    def sessions(self, account: str | None = None) -> dict[str, Progress]:
        """Every session by scenario id (for one account when given)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT scenario_id, account FROM sessions ORDER BY started_at"
            ).fetchall()
        return {
            sid: self.load(sid, acct) for sid, acct in rows if account is None or acct == account
        }

    # ----- saves: each one transaction ------------------------------------------------------

    def set_current_step(self, scenario_id: str, account: str, step_id: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                "UPDATE sessions SET current_step=? WHERE scenario_id=? AND account=?",
                (step_id, scenario_id, account),
            )

    def save_answer(
        self, scenario_id: str, account: str, step_id: str, question_id: str,
        answer: str, correct: bool | None,
    ) -> None:
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                (scenario_id, account, step_id, question_id, answer,
                 None if correct is None else int(correct), _now()),
            )

    def _reveal(self, scenario_id: str, account: str, step_id: str, question_id: str,
                column: str, value_sql: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO reveals(scenario_id, account, step_id, question_id)"
                " VALUES (?, ?, ?, ?)", (scenario_id, account, step_id, question_id))
            cur.execute(
                f"UPDATE reveals SET {column}={value_sql} WHERE scenario_id=? AND account=?"
                " AND step_id=? AND question_id=?", (scenario_id, account, step_id, question_id))

    def reveal_hint(self, scenario_id: str, account: str, step_id: str, question_id: str,
                    hints_shown: int) -> None:
        """Record that `hints_shown` hints of a question are visible (never goes down)."""
        self._reveal(scenario_id, account, step_id, question_id, "hints_shown",
                     f"MAX(hints_shown, {int(hints_shown)})")

    def reveal_answer(self, scenario_id: str, account: str, step_id: str,
                      question_id: str) -> None:
        self._reveal(scenario_id, account, step_id, question_id, "answer_revealed", "1")

    def record_checks(self, scenario_id: str, account: str, step_id: str,
                      passed_check_ids: list[str], step_done: bool) -> None:
        """Record newly passed checks (first time kept) and, when so, the step as done."""
        now = _now()
        with self._transaction() as cur:
            for check_id in passed_check_ids:
                cur.execute(
                    "INSERT OR IGNORE INTO checks_passed VALUES (?, ?, ?, ?, ?)",
                    (scenario_id, account, step_id, check_id, now),
                )
            if step_done:
                cur.execute(
                    "INSERT OR IGNORE INTO steps_done VALUES (?, ?, ?, ?)",
                    (scenario_id, account, step_id, now),
                )
