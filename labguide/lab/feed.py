"""One GuardDuty findings read per refresh, shared by the alerts pane, the findings pane and
the check round (each used to read them all itself, three times per refresh).

A refresh begins when a check round starts (`advance`, on the app's thread, before the
round's worker and before the panes it re-polls); the first reader of a refresh reads,
readers meanwhile wait for that read, later ones get it. A failed read is not kept: the
next reader tries again.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the reading code (and boto3 under it) loads at the first read, after
    # the app's first frame, which needs no AWS
    from labguide.checks.findings import FindingsRead


class FindingsFeed:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self._generation_read = -1
        self._value: FindingsRead | None = None
        self._inflight: threading.Event | None = None
        self.reads = 0  # how many reads reached GuardDuty (tests, bench)

    def advance(self) -> int:
        """A new refresh: the next reader reads again."""
        with self._lock:
            self.generation += 1
            return self.generation

    def read(self, target: Any) -> FindingsRead:
        """This refresh's findings read (blocking: worker threads)."""
        while True:
            with self._lock:
                generation = self.generation
                if self._generation_read == generation and self._value is not None:
                    return self._value
                waiting = self._inflight
                if waiting is None:
                    self._inflight = threading.Event()
                    mine = self._inflight
                    break
            waiting.wait(30)  # the read in flight; then take it (or read, if it failed)
        from labguide.checks.findings import read_findings

        try:
            value = read_findings(target)
        except BaseException:
            with self._lock:
                self._inflight = None
            mine.set()
            raise
        with self._lock:
            self.reads += 1
            self._value, self._generation_read = value, generation
            self._inflight = None
        mine.set()
        return value

    def source(self, target: Any):
        """`read` bound to `target`, as a check round takes it."""
        return lambda: self.read(target)
