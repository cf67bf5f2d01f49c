"""The class's seats on one SimServer: worlds built, rebuilt from their journals, reset.

Each seat is a simulated account (the scenario's world, its own random seed and keys)
on the class's signature-checking SimServer. Every successful state-changing request a
seat's learner makes is appended to that seat's journal in the class state, so a
restarted server rebuilds the world from the same seed and epoch and replays it; a
reset to a step replays only the requests made before that step began.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from labguide.classroom.state import ClassState, SeatRecord, iso, parse_iso
from labguide.classroom.write_events import write_event
from labguide.sim.cloudtrail.recorder import UNRECORDED_HEADER, leave_unrecorded
from labguide.sim.embedded import (
    ReplayRefused,
    changes_state,
    operation_name,
    request_credential,
    request_entry,
    restore_world,
)
from labguide.sim.server import ARRIVED_AT_ENVIRON_KEY, SimServer, random_credentials
from labguide.sim.worlds.world import Credentials

log = logging.getLogger(__name__)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
CHECKER_HEADER = UNRECORDED_HEADER  # marks the server's own check rounds


def new_join_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normal_code(code: str) -> str:
    """A join code as stored, from what a participant typed (case, spaces, dash)."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


class SeatWorlds:
    """The worlds of the seats this process serves, and their journals."""

    def __init__(self, state: ClassState, server: SimServer, world_name: str,
                 params: dict[str, Any], region: str):
        self.state = state
        self.server = server
        self.world_name = world_name
        self.params = params
        self.region = region
        self.checker_token = secrets.token_hex(16)
        leave_unrecorded(self.checker_token)  # not in the seat's CloudTrail as the learner's
        self._worlds: dict[int, Any] = {}
        self._by_key: dict[str, int] = {}
        self._lock = threading.RLock()
        self._seat_locks: dict[int, threading.Lock] = {}
        self.on_write: Callable[[int], None] | None = None
        self._replaying: set[int] = set()
        server.observers.append(self._observe)
        server.arrivals.append(self._arrived)

    # ----- building ------------------------------------------------------------------------

    def provision(self, seat: int, name: str, email: str, worker: int) -> SeatRecord:
        """A new seat: a world with a random seed and random keys, stored."""
        seed = secrets.randbits(31)
        world = self.server.add_world(self.world_name, self.params, region=self.region,
                                      seed=seed, learner=random_credentials())
        record = SeatRecord(seat=seat, name=name, email=email, join_code=new_join_code(),
                            account_id=world.account_id,
                            access_key_id=world.learner.access_key_id,
                            secret_access_key=world.learner.secret_access_key, seed=seed,
                            epoch=iso(world.epoch), worker=worker,
                            endpoint_url=self.server.endpoint_url)
        self._hold(seat, world)
        return record

    def restore(self, record: SeatRecord) -> Any:
        """Build the seat's world again from its seed and replay its journal.

        A request the rebuilt world refuses ends the seat's journal there: the seat comes
        back as it was before that request, the instructor's timeline says so, and the
        rest of the class starts (one seat's journal kept the whole class down before)."""
        entries = self.state.journal(record.seat)
        with self.paused(record.seat):
            try:
                world = self._restore_world(record, entries)
            except ReplayRefused as refused:
                log.warning("seat %s: %s; the seat comes back as it was before it (%d of "
                            "%d requests)", record.seat, refused, refused.replayed,
                            len(entries))
                self.state.keep_journal(record.seat, refused.replayed)
                self.state.add_event(record.seat, "journal-cut", None, {
                    "operation": refused.operation, "status": refused.status,
                    "kept": refused.replayed, "dropped": len(entries) - refused.replayed})
                world = self._restore_world(record, entries[:refused.replayed])
        self._hold(record.seat, world)
        return world

    def _restore_world(self, record: SeatRecord, entries: list[dict[str, Any]]) -> Any:
        return restore_world(
            self.server, self.world_name, self.params, region=self.region,
            seed=record.seed, epoch=parse_iso(record.epoch), account_id=record.account_id,
            learner=Credentials(record.access_key_id, record.secret_access_key),
            entries=entries, until=datetime.now(UTC))

    def rebuild(self, record: SeatRecord, before: str | None = None) -> Any:
        """Throw the seat's world away and restore it (a reset), journal cut at `before`."""
        with self._seat_lock(record.seat):
            self.drop(record.seat)
            self.state.truncate_journal(record.seat, before)
            return self.restore(record)

    def drop(self, seat: int) -> None:
        with self._lock:
            world = self._worlds.pop(seat, None)
            if world is None:
                return
            self._by_key.pop(world.learner.access_key_id, None)
        world.stop()
        self.server.remove_world(world.account_id)

    def _hold(self, seat: int, world: Any) -> None:
        with self._lock:
            self._worlds[seat] = world
            self._by_key[world.learner.access_key_id] = seat

    def _seat_lock(self, seat: int) -> threading.Lock:
        with self._lock:
            return self._seat_locks.setdefault(seat, threading.Lock())

    def world(self, seat: int) -> Any:
        with self._lock:
            return self._worlds.get(seat)

    @property
    def seats(self) -> list[int]:
        with self._lock:
            return sorted(self._worlds)

    # ----- the journal ---------------------------------------------------------------------

    @contextmanager
    def paused(self, seat: int) -> Iterator[None]:
        """While replaying, a seat's requests are not journaled again."""
        self._replaying.add(seat)
        try:
            yield
        finally:
            self._replaying.discard(seat)

    def _arrived(self, environ: dict[str, Any]) -> None:
        """The seat's world time as moto takes the request: its journal entry's moment."""
        key, _ = request_credential(environ)
        with self._lock:
            seat = self._by_key.get(key or "")
            world = self._worlds.get(seat) if seat is not None else None
        if world is not None:
            environ[ARRIVED_AT_ENVIRON_KEY] = world.clock.now()

    def _observe(self, environ: dict[str, Any], body: bytes, status: int) -> None:
        if not 200 <= status < 300:
            return
        key, service = request_credential(environ)
        with self._lock:
            seat = self._by_key.get(key or "")
            world = self._worlds.get(seat) if seat is not None else None
        if seat is None or world is None or seat in self._replaying:
            return
        if environ.get("HTTP_" + CHECKER_HEADER.upper().replace("-", "_")) == self.checker_token:
            return  # the server's own check round
        operation = operation_name(environ, body)
        if not changes_state(service, operation, environ.get("PATH_INFO", "")):
            return
        entry = request_entry(environ, body, operation or "", world)
        self.state.append_journal(seat, iso(datetime.now(UTC)) or "", entry)
        # The instructor's timeline: what was done, as an AWS CLI line (a CLI-only
        # participant's actions are seen only here).
        self.state.add_event(seat, "aws-write", None,
                             write_event(service, operation, environ, body))
        if self.on_write is not None:
            self.on_write(seat)
