"""A simulated world: one account's resources, its clock, and the actors that live in it.

Actors (the attacker, the instance's application) are recurring actions on the world's
clock. `advance()` moves the clock and runs every action that fell due, in time order,
each at its own scheduled moment; `start_realtime()` does the same on the wall clock in
a daemon thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from labguide.sim.clock import SimClock


@dataclass(frozen=True)
class Credentials:
    """Long-term keys of an IAM user; the secret never appears in repr or logs."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key='****')"


@dataclass
class Recurring:
    """An action run every `interval`, first at `next_at`, always at its scheduled moment."""

    name: str
    next_at: datetime
    interval: timedelta
    action: Callable[[datetime], Any]


class World:
    """One account's simulated world; built by `labguide.sim.worlds.build_world`."""

    def __init__(self, *, name: str, account_id: str, region: str, clock: SimClock,
                 learner: Credentials, attacker: Any, truth: Any, params: dict[str, Any],
                 app: Any = None, epoch: datetime | None = None):
        self.name = name
        self.epoch = epoch  # the story's start: rebuilding with it gives the same world
        self.account_id = account_id
        self.region = region
        self.clock = clock
        self.learner = learner
        self.attacker = attacker
        self.truth = truth
        self.params = params
        self.app = app  # the instance's application (its health), when the world has one
        self.resources: dict[str, Any] = {}  # declared id -> what was built (ids, ARNs)
        self.actors: dict[str, Any] = {}  # declared id -> the object acting
        self._schedule: list[Recurring] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def every(self, name: str, interval_seconds: float, first_at: datetime,
              action: Callable[[datetime], Any]) -> None:
        """Schedule `action(at)` every `interval_seconds` from `first_at` on."""
        if interval_seconds <= 0:
            raise ValueError(f"{name}: the interval must be positive, not {interval_seconds}")
        interval = timedelta(seconds=interval_seconds)
        self._schedule.append(Recurring(name, first_at, interval, action))

    def tick(self) -> int:
        """Run every action due by now, in time order; returns how many ran."""
        ran = 0
        with self._lock:
            now = self.clock.now()
            while True:
                due = [r for r in self._schedule if r.next_at <= now]
                if not due:
                    return ran
                item = min(due, key=lambda r: r.next_at)
                at = item.next_at
                item.next_at = at + item.interval
                item.action(at)
                ran += 1

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and run what fell due; returns the new moment."""
        self.clock.advance(seconds)
        self.tick()
        return self.clock.now()

    def catch_up(self, moment: datetime, *, lived: timedelta = timedelta(hours=1)) -> None:
        """Bring the clock to `moment`, living only the last `lived` of it.

        A world resumed days later would otherwise replay thousands of attacker
        rounds; older recurrences are skipped, keeping their phase.
        """
        with self._lock:
            skip = (moment - self.clock.now()) - lived
            if skip > timedelta(0):
                self.clock.advance(skip.total_seconds())
                now = self.clock.now()
                for item in self._schedule:
                    if item.next_at <= now:
                        missed = (now - item.next_at) // item.interval + 1
                        item.next_at += missed * item.interval
            behind = (moment - self.clock.now()).total_seconds()
            if behind > 0:
                self.advance(behind)

    def start_realtime(self, poll_seconds: float = 1.0) -> None:
        """Run due actions as the wall clock passes them, in a daemon thread (idempotent)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, args=(poll_seconds,), name=f"world-{self.account_id}",
                daemon=True,
            )
            self._thread.start()

    def _run(self, poll_seconds: float) -> None:
        while not self._stop.wait(poll_seconds):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a failing tick must not kill the world's thread
                import logging

                logging.getLogger(__name__).exception("world %s: tick failed", self.account_id)

    def stop(self) -> None:
        """End the realtime thread, if any."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None

    def __repr__(self) -> str:
        return f"World({self.name!r}, account_id={self.account_id!r}, region={self.region!r})"
