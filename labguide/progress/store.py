"""Durable progress: what a learner has done in a scenario on one account.

SQLite in WAL mode with synchronous=FULL, one transaction per save: once a
save method returns, the change survives a kill -9 or a power cut. Rows are
keyed by (scenario id, account) so one learner can practise the same scenario
on the simulator and on a real account without the two mixing.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from labguide.awstime import parse_instant, to_utc
from labguide.errors import UserError

SCHEMA_VERSION = 1
# Older schema version -> the statements that bring it to the next one (in a transaction).
MIGRATIONS: dict[int, tuple[str, ...]] = {}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_LEAVE_IT = ("it was left as it is; move it away (or set LABGUIDE_HOME to another folder) "
             "to start afresh")


class StoreError(UserError):
    """The progress file cannot be used or written; the message names it and why.
    Nothing in it was changed."""


def _why(exc: BaseException) -> str:
    text = str(exc)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        return "its folder or the file is read-only"
    if "full" in lowered or "no space" in lowered:
        return "the disk is full"
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return "the file is damaged"
    return text or type(exc).__name__


def private_folder(path: Path) -> None:
    """Create `path` (and parents) for the learner's files: 0700 when labguide makes it."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists (the learner's data or bodies)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass

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

def _rollback(cur: sqlite3.Cursor) -> None:
    try:
        cur.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # no transaction left to roll back (SQLite ended it itself)


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
        self._lock = threading.Lock()
        try:
            private_folder(self.path.parent)
            existed = self.path.exists()
            if existed:
                self._check_header()
            else:
                private_file(self.path)
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10
            )
        except OSError as exc:
            raise StoreError(f"cannot open the progress file {self.path}: "
                             f"{_why(exc)}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the progress file {self.path}: {_why(exc)}; "
                             f"{_LEAVE_IT}") from None
        try:
            self._open(existed)
        except StoreError:
            self._conn.close()
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            damaged = _why(exc) == "the file is damaged"
            raise StoreError(f"cannot use the progress file {self.path}: {_why(exc)}"
                             + (f"; {_LEAVE_IT}" if damaged else "")) from None

    def _check_header(self) -> None:
        with open(self.path, "rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
        if head and head != _SQLITE_MAGIC:
            raise StoreError(f"{self.path} is not a labguide progress file (not SQLite); "
                             f"{_LEAVE_IT}")

    def _open(self, existed: bool) -> None:
        """Check what the file is before changing anything, then migrate or create."""
        conn = self._conn
        if existed:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                found = check[0] if check else "no answer"
                raise StoreError(f"the progress file {self.path} is damaged ({found}); "
                                 f"{_LEAVE_IT}")
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            version = None
            if "meta" in tables:
                row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                version = int(row[0]) if row and str(row[0]).isdigit() else None
            if tables and version is None:
                raise StoreError(f"{self.path} is an SQLite file but not labguide's progress "
                                 f"(no schema version); {_LEAVE_IT}")
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(f"the progress file {self.path} was written by a newer labguide "
                                 f"(schema {version}, this one knows {SCHEMA_VERSION}): upgrade "
                                 f"labguide to resume; {_LEAVE_IT}")
            if version is not None and version < SCHEMA_VERSION:
                self._migrate(version)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        with self._transaction() as cur:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                cur.execute(statement)
            cur.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )
        for suffix in ("-wal", "-shm"):  # SQLite's side files hold the same data
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.chmod(0o600)

    def _migrate(self, version: int) -> None:
        """Bring an older file to SCHEMA_VERSION in one transaction: all or nothing."""
        with self._transaction() as cur:
            while version < SCHEMA_VERSION:
                for statement in MIGRATIONS.get(version, ()):
                    cur.execute(statement)
                version += 1
            cur.execute("UPDATE meta SET value=? WHERE key='schema'", (str(version),))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """One transaction; a failure to write (full disk, read-only) is a StoreError
        naming the file, and the transaction is rolled back (nothing half-saved)."""
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot save progress to {self.path}: {_why(exc)}") from None
            try:
                yield cur
            except sqlite3.Error as exc:
                _rollback(cur)
                raise StoreError(f"cannot save progress to {self.path}: {_why(exc)}") from None
            except BaseException:
                _rollback(cur)
                raise
            else:
                try:
                    cur.execute("COMMIT")
                except sqlite3.Error as exc:
                    _rollback(cur)
                    raise StoreError(f"cannot save progress to {self.path}: "
                                     f"{_why(exc)}") from None

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

    def forget_steps(self, scenario_id: str, account: str, step_ids: list[str]) -> None:
        """Forget which checks of these steps passed and that they were done (a rewind: the
        next check round judges them again); answers, hints and reveals are kept, the
        answers unjudged (correct NULL) until the app judges them again."""
        keys = [(scenario_id, account, step_id) for step_id in step_ids]
        with self._transaction() as cur:
            for table in ("checks_passed", "steps_done"):
                cur.executemany(
                    f"DELETE FROM {table} WHERE scenario_id=? AND account=? AND step_id=?", keys)
            cur.executemany("UPDATE answers SET correct=NULL WHERE scenario_id=? AND "
                            "account=? AND step_id=?", keys)
