"""Join-code guessing slowed to a crawl: wrong credentials counted per client address and
over the whole class, and a locked-out address refused before its credential is looked at.

A join code is the only key to a seat (32^8 codes), so whoever may try codes fast enough
finds seats. Every credential the class API refuses (an unknown join code on the join or a
participant route, a wrong instructor token) is one wrong guess of the request's client
address. An address with PER_ADDRESS wrong guesses in the last WINDOW seconds is refused
(429, Retry-After) on every route that takes a credential, a right one included, until
enough of its guesses have left the window: the refusal does not depend on the code sent,
so a locked-out guesser learns nothing from it. Overall, more than OVERALL wrong guesses in
the window from all addresses together (one guesser with many addresses) lock every address
that guessed wrong in the window; addresses that never did (the class joining) go on.
At these limits a guesser gets about 20 tries a minute per address: with 200 seats, finding
one takes on the order of ten thousand years.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
PER_ADDRESS = 20
OVERALL = 200
MAX_ADDRESSES = 10_000  # addresses remembered at once; beyond, the overall lock takes all


class GuessLimiter:
    """Counts wrong credentials per client address; thread-safe."""

    def __init__(self, *, per_address: int = PER_ADDRESS, overall: int = OVERALL,
                 window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.per_address = per_address
        self.overall = overall
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._by_address: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()

    def wait_for(self, address: str) -> float | None:
        """Seconds until `address` may try a credential again, or None if it may now."""
        with self._lock:
            now = self.clock()
            mine = self._by_address.get(address)
            if not mine and len(self._by_address) < MAX_ADDRESSES:
                return None
            mine = mine if mine is not None else deque([now])  # untracked: as if it guessed
            horizon = now - self.window
            for times in (mine, self._all):
                while times and times[0] <= horizon:
                    times.popleft()
            if len(mine) >= self.per_address:
                return max(1.0, mine[len(mine) - self.per_address] + self.window - now)
            if mine and len(self._all) > self.overall:
                return max(1.0, self._all[len(self._all) - self.overall - 1] + self.window - now)
            return None

    def wrong(self, address: str) -> None:
        """One wrong credential from `address`."""
        with self._lock:
            now = self.clock()
            self._forget(now)
            self._all.append(now)
            if address in self._by_address or len(self._by_address) < MAX_ADDRESSES:
                self._by_address.setdefault(address, deque()).append(now)

    def _forget(self, now: float) -> None:
        horizon = now - self.window
        while self._all and self._all[0] <= horizon:
            self._all.popleft()
        for address in [a for a, times in self._by_address.items()
                        if not times or times[-1] <= horizon]:
            del self._by_address[address]
        for times in self._by_address.values():
            while times and times[0] <= horizon:
                times.popleft()


def refusal_text(seconds: float) -> str:
    """The one message of a locked-out address, whatever its request carried."""
    return (f"too many wrong join codes or tokens from your address: try again in "
            f"{math.ceil(seconds)} s (check the code you were given, e.g. ABCD-EFGH)")
