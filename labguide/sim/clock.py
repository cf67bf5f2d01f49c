"""The simulator's clock: wall time plus an offset that tests (and `/moto-api/`) move forward.

Every simulated timestamp (instance LaunchTime, credential issue times, attacker calls,
command delivery) reads a SimClock, so a test can jump an hour ahead without sleeping.
Extensions find the clock of an account through `clock_for(account_id)`; accounts
without a world use a plain wall clock. A world's clock is kept in the account's moto
state (`labguide.sim.state`), not in a module global.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SimClock:
    """UTC wall time shifted by an offset; `advance()` only ever moves it forward.

    A `frozen` clock does not follow the wall clock at all: only `advance()` moves it,
    which makes a test's timeline exact (and a journal replay reproducible).
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False):
        self._lock = threading.Lock()
        self.frozen = frozen
        self._base = _aware(start) if start is not None else _wall()
        self._offset = timedelta(0) if frozen else self._base - _wall()

    def now(self) -> datetime:
        """The simulated moment, tz-aware UTC, truncated to whole seconds as AWS reports them."""
        with self._lock:
            offset = self._offset
        base = self._base if self.frozen else _wall()
        return (base + offset).replace(microsecond=0)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by `seconds` (>= 0) and return the new moment."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward, not by {seconds} s")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def __repr__(self) -> str:
        return f"SimClock({self.now().isoformat()})"


def _wall() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """A naive datetime is read as UTC (as moto stores them); an aware one is converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_utc(moment: datetime) -> datetime:
    """Public form of `_aware` for callers comparing moto's naive datetimes with ours."""
    return _aware(moment)


_WALL_CLOCK = SimClock()


def register_account_clock(account_id: str, clock: SimClock) -> None:
    """Make `clock` the time source of every extension acting in `account_id`.

    The clock lives in the account's moto state (`labguide.sim.state`), so moto's reset
    and the server's `release_account` forget it with the rest of the account."""
    from labguide.sim.state import account_state

    account_state(account_id).clock = clock


def clock_for(account_id: str) -> SimClock:
    """The clock of the account's world, or the wall clock when it has none."""
    from labguide.sim.state import peek_account_state

    state = peek_account_state(account_id)
    clock = state.clock if state is not None else None
    return clock if clock is not None else _WALL_CLOCK


def has_world(account_id: str) -> bool:
    """True when a simulated world lives in the account (it registered its clock).

    Only such accounts get AWS's IAM evaluation for role sessions; every other account
    (moto's own tests, a plain `mock_aws()`) keeps moto's behaviour."""
    from labguide.sim.state import peek_account_state

    state = peek_account_state(account_id)
    return state is not None and state.clock is not None
