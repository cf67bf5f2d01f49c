"""The class status as dashboards poll it: JSON bytes, each seat's part rebuilt only when
that seat's rows changed.

A 200-seat status is ~650 KB of JSON, ~24 ms of CPU to build from SQLite, and two
dashboards poll it every 2 s in the same process that answers the seats' AWS calls. Every
seat row carries a version bumped in the same transaction as any change to that seat's
rows, by whichever process of the class made it (`ClassState.seat_versions`): a poll reads
the versions (one small query), rebuilds the parts of the seats whose version moved, and
joins the parts. What changes with time alone is made at every poll: `now`, and each
seat's attacker summary (its world's calls in the last ten minutes of the world's clock),
itself kept only until the attacker calls again or its oldest call in the window leaves it.
So an answer is never older than the rows and clocks it is read from.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from labguide.classroom.state import now_iso


class StatusCache:
    """`body(board=...)`: `Classroom.status(board=...)` as JSON bytes, `now` fresh."""

    def __init__(self, room: Any):
        self._room = room
        self._lock = threading.Lock()
        # (seat, board) -> (version, live attacker?, JSON text of the entry without its
        # closing brace, and without `attacker` when it is live)
        self._parts: dict[tuple[int, bool], tuple[int, bool, str]] = {}
        # seat -> (attacker object, its latest call, valid until, summary JSON)
        self._attackers: dict[int, tuple[Any, Any, Any, str]] = {}
        self.rebuilt = 0  # seat parts built (tests: only changed seats are rebuilt)

    def body(self, *, board: bool = False) -> bytes:
        room = self._room
        with self._lock:
            versions = room.state.seat_versions()  # read before the rows: never newer
            worlds = {seat: room.worlds.world(seat) for seat in versions}
            stale = [seat for seat, version in versions.items()
                     if self._stale(seat, board, version, worlds[seat] is not None)]
            if stale:
                for entry in room.seat_entries(stale, board=board, live_attacker=False):
                    seat = entry["seat"]
                    live = "attacker" not in entry
                    self._parts[(seat, board)] = (versions[seat], live,
                                                  json.dumps(entry)[:-1])
                    self.rebuilt += 1
            parts = []
            for seat in sorted(versions):
                part = self._parts.get((seat, board))
                if part is None:  # a seat added between the two reads: next poll
                    continue
                _, live, text = part
                if live:
                    parts.append(f'{text}, "attacker": {self._attacker(seat, worlds[seat])}}}')
                else:
                    parts.append(text + "}")
            head = json.dumps({
                "scenario": room.scenario.id, "now": now_iso(),
                "started_at": room.state.meta("started_at"),
                "attackers_paused": room.worlds.server.paused,
                "steps": [{"id": s.id, "title": s.title} for s in room.scenario.steps],
            })
        return f'{head[:-1]}, "seats": [{", ".join(parts)}]}}'.encode()

    def _stale(self, seat: int, board: bool, version: int, live: bool) -> bool:
        part = self._parts.get((seat, board))
        return part is None or part[0] != version or part[1] != live

    def _attacker(self, seat: int, world: Any) -> str:
        """The seat's attacker summary (JSON) at its world's now."""
        from labguide.classroom.room import attacker_of, attacker_summary

        attacker = getattr(world, "attacker", None)
        latest = getattr(attacker, "latest_call", None)
        try:
            newest = latest() if latest is not None else None
            now = world.clock.now()
        except Exception:  # noqa: BLE001 - a world without an attacker or a clock
            latest = None
        if latest is None:
            return json.dumps(attacker_of(world))
        held = self._attackers.get(seat)
        if held is not None and held[0] is attacker and held[1] is newest and \
                (held[2] is None or now <= held[2]):
            return held[3]
        summary, valid_until = attacker_summary(attacker.recent_calls(), now)
        text = json.dumps(summary)
        self._attackers[seat] = (attacker, newest, valid_until, text)
        return text
