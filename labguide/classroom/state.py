"""Durable class state: one SQLite file under `--state`, the class's only source of truth.

Seats (names, join codes, account ids, keys, the world's seed and epoch), every event
(participants' reports, server check results, resets, messages), each seat's step
progress, the judged answers and each world's journal (the seat's state-changing
requests, replayed to rebuild the world on a restart or a reset). A restarted
`class serve --state DIR` reads it back and every seat returns with the same
credentials and progress. WAL mode: several worker processes may write, the API reads.

The file holds secrets (the seats' secret keys): created 0600 in a 0700 folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labguide.errors import UserError

SCHEMA_VERSION = 4  # 2: steps.last_failure_detail; 3: messages.data; 4: seats.version
DB_NAME = "class.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seats (
    seat INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL DEFAULT '',
    join_code TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL UNIQUE,
    access_key_id TEXT NOT NULL, secret_access_key TEXT NOT NULL,
    seed INTEGER NOT NULL, epoch TEXT, worker INTEGER NOT NULL DEFAULT 0,
    endpoint_url TEXT NOT NULL DEFAULT '',
    joined_at TEXT, last_seen TEXT, current_step TEXT,
    help INTEGER NOT NULL DEFAULT 0, help_text TEXT NOT NULL DEFAULT '', help_since TEXT,
    error TEXT NOT NULL DEFAULT '', message_cursor INTEGER NOT NULL DEFAULT 0,
    attacker TEXT NOT NULL DEFAULT '{}', version INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS steps (
    seat INTEGER NOT NULL, step TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
    hints INTEGER NOT NULL DEFAULT 0, answers_revealed INTEGER NOT NULL DEFAULT 0,
    started_at TEXT, done_at TEXT, last_failure TEXT, last_failure_at TEXT,
    last_failure_detail TEXT NOT NULL DEFAULT '{}',
    checks TEXT NOT NULL DEFAULT '[]', passing INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (seat, step));
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seat INTEGER NOT NULL, step TEXT NOT NULL,
    question TEXT NOT NULL, value TEXT NOT NULL, correct INTEGER, at TEXT NOT NULL,
    source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seat INTEGER, at TEXT NOT NULL, kind TEXT NOT NULL,
    step TEXT, payload TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS events_by_seat ON events (seat, id);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seat INTEGER, at TEXT NOT NULL, text TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'message', data TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seat INTEGER NOT NULL, at TEXT NOT NULL,
    entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_by_seat ON journal (seat, id);
"""


def iso(moment: datetime | None) -> str | None:
    """The one time format of the class API and state: ISO-8601 UTC with a Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(datetime.now(UTC)) or ""


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class SeatRecord:
    """One seat as stored (the secret included: never print it)."""

    seat: int
    name: str
    email: str
    join_code: str
    account_id: str
    access_key_id: str
    secret_access_key: str
    seed: int
    epoch: str | None
    worker: int
    endpoint_url: str

    def __repr__(self) -> str:
        return f"SeatRecord(seat={self.seat}, account_id={self.account_id!r})"


class ClassState:
    """The class's SQLite file; every method is one short transaction, thread-safe."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)
        except OSError as exc:
            raise UserError(f"--state {self.folder}: {exc.strerror or exc}") from None
        self.path = self.folder / DB_NAME
        self._lock = threading.RLock()
        self._codes: dict[bytes, int] = {}  # SHA-256 of a join code -> its seat
        fresh = not self.path.exists()
        try:
            if fresh:
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            version = self.meta("schema_version")
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path}: not a labguide class state ({exc})") from None
        if version is not None and int(version) > SCHEMA_VERSION:
            raise UserError(f"{self.path} was written by a newer labguide (schema {version})")
        self._migrate()
        if version != str(SCHEMA_VERSION):
            self.set_meta("schema_version", str(SCHEMA_VERSION))

    def _migrate(self) -> None:
        """Columns added since schema 1 (a class state from an earlier labguide)."""
        with self.transaction() as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(steps)")}
            if "last_failure_detail" not in columns:
                db.execute("ALTER TABLE steps ADD COLUMN last_failure_detail TEXT NOT NULL "
                           "DEFAULT '{}'")
            columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
            if "data" not in columns:
                db.execute("ALTER TABLE messages ADD COLUMN data TEXT NOT NULL DEFAULT '{}'")
            seat_columns = {row[1] for row in db.execute("PRAGMA table_info(seats)")}
            if "version" not in seat_columns:
                db.execute("ALTER TABLE seats ADD COLUMN version INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, tuple(args))
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # ----- meta -----------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ----- seats ----------------------------------------------------------------------------

    def add_seat(self, record: SeatRecord, step_ids: list[str]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO seats (seat, name, email, join_code, account_id, access_key_id, "
                "secret_access_key, seed, epoch, worker, endpoint_url) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.seat, record.name, record.email, record.join_code, record.account_id,
                 record.access_key_id, record.secret_access_key, record.seed, record.epoch,
                 record.worker, record.endpoint_url))
            db.executemany("INSERT OR IGNORE INTO steps (seat, step) VALUES (?, ?)",
                           [(record.seat, step) for step in step_ids])

    def seats(self) -> list[SeatRecord]:
        rows = self.query("SELECT seat, name, email, join_code, account_id, access_key_id, "
                          "secret_access_key, seed, epoch, worker, endpoint_url FROM seats "
                          "ORDER BY seat")
        return [SeatRecord(**row) for row in rows]

    def seat_by_code(self, code: str) -> SeatRecord | None:
        """The seat whose join code is `code`, looked up by the code's SHA-256 (a dict of
        digests, refreshed when the seats change): the time taken says nothing about how
        close a wrong code came to a real one, and no request reads every seat's row."""
        digest = hashlib.sha256(code.encode("utf-8", "replace")).digest()
        # One snapshot of the dict for the lookup and the count test: another thread may
        # rebuild it in between, and its full dict would pass the count test for a code
        # missed in the old one (right codes refused when a class joined at once).
        codes = self._codes
        seat = codes.get(digest)
        if seat is None:
            count = self.query("SELECT COUNT(*) AS n FROM seats")[0]["n"]
            if count != len(codes):
                codes = {hashlib.sha256(r.join_code.encode()).digest(): r.seat
                         for r in self.seats()}
                self._codes = codes
                seat = codes.get(digest)
        return None if seat is None else self.seat_record(seat)

    def seat_record(self, seat: int) -> SeatRecord | None:
        rows = self.query("SELECT seat, name, email, join_code, account_id, access_key_id, "
                          "secret_access_key, seed, epoch, worker, endpoint_url FROM seats "
                          "WHERE seat = ?", (seat,))
        return SeatRecord(**rows[0]) if rows else None

    def update_seat(self, seat: int, **fields: Any) -> None:
        if not fields:
            return
        names = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction() as db:
            db.execute(f"UPDATE seats SET {names}, version = version + 1 WHERE seat = ?",
                       (*fields.values(), seat))

    def seat_versions(self) -> dict[int, int]:
        """Each seat's version: bumped in the same transaction as any change to its seat,
        step or answer rows (by any process of the class), so a reader that saw a version
        knows the rows it read then are still the seat's."""
        with self._lock:
            return dict(self._db.execute("SELECT seat, version FROM seats").fetchall())

    @staticmethod
    def _bump(db: sqlite3.Connection, seat: int) -> None:
        db.execute("UPDATE seats SET version = version + 1 WHERE seat = ?", (seat,))

    # ----- events, steps, answers, messages ---------------------------------------------------

    def add_event(self, seat: int | None, kind: str, step: str | None = None,
                  payload: dict[str, Any] | None = None, at: str | None = None) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO events (seat, at, kind, step, payload) VALUES (?, ?, ?, ?, ?)",
                       (seat, at or now_iso(), kind, step, json.dumps(payload or {})))

    def update_step(self, seat: int, step: str, **fields: Any) -> None:
        names = ", ".join(f"{name} = {value}" if isinstance(value, _Sql) else f"{name} = ?"
                          for name, value in fields.items())
        values = [v for v in fields.values() if not isinstance(v, _Sql)]
        with self.transaction() as db:
            db.execute(f"UPDATE steps SET {names} WHERE seat = ? AND step = ?",
                       (*values, seat, step))
            self._bump(db, seat)

    def steps(self, seat: int | None = None) -> list[dict[str, Any]]:
        if seat is None:
            return self.query("SELECT * FROM steps")
        return self.query("SELECT * FROM steps WHERE seat = ?", (seat,))

    def seats_of(self, seats: Iterable[int]) -> list[dict[str, Any]]:
        return self._rows_of("seats", seats, "seat")

    def steps_of(self, seats: Iterable[int]) -> list[dict[str, Any]]:
        return self._rows_of("steps", seats)

    def answers_of(self, seats: Iterable[int]) -> list[dict[str, Any]]:
        return self._rows_of("answers", seats, "id")

    def _rows_of(self, table: str, seats: Iterable[int],
                 order: str | None = None) -> list[dict[str, Any]]:
        """The rows of `table` (one of this module's) of the given seats."""
        wanted = list(seats)
        if not wanted:
            return []
        ordered = f" ORDER BY {order}" if order else ""
        return self.query(f"SELECT * FROM {table} WHERE seat IN ({_marks(wanted)}){ordered}",
                          wanted)

    def add_answer(self, seat: int, step: str, question: str, value: str,
                   correct: bool | None, source: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO answers (seat, step, question, value, correct, at, source) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (seat, step, question, value, None if correct is None else int(correct),
                        now_iso(), source))
            self._bump(db, seat)

    def delete_answers(self, seat: int, steps: list[str]) -> None:
        with self.transaction() as db:
            db.execute(f"DELETE FROM answers WHERE seat = ? AND step IN ({_marks(steps)})",
                       (seat, *steps))
            self._bump(db, seat)

    def answers(self, seat: int | None = None) -> list[dict[str, Any]]:
        if seat is None:
            return self.query("SELECT * FROM answers ORDER BY id")
        return self.query("SELECT * FROM answers WHERE seat = ? ORDER BY id", (seat,))

    def add_message(self, seat: int | None, text: str, kind: str = "message",
                    data: dict[str, Any] | None = None) -> int:
        """A message for one seat (or every seat: None); `data` is what the participant's
        app acts on besides showing `text` (a solve's step and model answers)."""
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO messages (seat, at, text, kind, data) "
                                "VALUES (?, ?, ?, ?, ?)",
                                (seat, now_iso(), text, kind, json.dumps(data or {})))
            return int(cursor.lastrowid or 0)

    def messages_for(self, seat: int, after: int = 0) -> list[dict[str, Any]]:
        rows = self.query("SELECT id, at, seat, text, kind, data FROM messages WHERE id > ? AND "
                          "(seat IS NULL OR seat = ?) ORDER BY id LIMIT 100", (after, seat))
        for row in rows:
            row["data"] = json.loads(row["data"] or "{}")
        return rows

    def events(self, seat: int, limit: int = 200) -> list[dict[str, Any]]:
        rows = self.query("SELECT id, at, kind, step, payload FROM events WHERE seat = ? "
                          "ORDER BY id DESC LIMIT ?", (seat, limit))
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        return rows[::-1]

    # ----- journals -------------------------------------------------------------------------

    def append_journal(self, seat: int, at: str, entry: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO journal (seat, at, entry) VALUES (?, ?, ?)",
                       (seat, at, json.dumps(entry, separators=(",", ":"))))

    def journal(self, seat: int, before: str | None = None) -> list[dict[str, Any]]:
        rows = self.query("SELECT id, at, entry FROM journal WHERE seat = ? ORDER BY id", (seat,))
        return [json.loads(row["entry"]) for row in rows
                if before is None or row["at"] < before]

    def keep_journal(self, seat: int, count: int) -> None:
        """Keep only the seat's first `count` requests."""
        with self.transaction() as db:
            db.execute("DELETE FROM journal WHERE seat = ? AND id NOT IN (SELECT id FROM "
                       "journal WHERE seat = ? ORDER BY id LIMIT ?)", (seat, seat, count))

    def truncate_journal(self, seat: int, before: str | None) -> None:
        """Forget the seat's requests from `before` on (all of them when None)."""
        with self.transaction() as db:
            if before is None:
                db.execute("DELETE FROM journal WHERE seat = ?", (seat,))
            else:
                db.execute("DELETE FROM journal WHERE seat = ? AND at >= ?", (seat, before))


class _Sql(str):
    """An SQL expression as a field's new value (`attempts + 1`), not a parameter."""


def sql(expression: str) -> _Sql:
    return _Sql(expression)


def _marks(values: list[Any]) -> str:
    """The `?, ?, …` of an SQL `IN (…)` with one parameter per value."""
    return ",".join("?" * len(values))


def changes(row: dict[str, Any], fields: dict[str, Any]) -> bool:
    """True if writing `fields` would change `row` (an SQL expression always may)."""
    return any(isinstance(value, _Sql) or row.get(name) != value
               for name, value in fields.items())
