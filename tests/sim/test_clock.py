"""SimClock: wall time plus an offset that only moves forward; per-account clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from labguide.sim.clock import SimClock, clock_for, register_account_clock, to_utc


def test_now_is_aware_utc_whole_seconds():
    now = SimClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert now.microsecond == 0
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5


def test_start_sets_the_simulated_moment_and_advance_moves_it():
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    clock = SimClock(start)
    assert abs((clock.now() - start).total_seconds()) < 5
    before = clock.now()
    after = clock.advance(3600)
    assert timedelta(seconds=3600) <= after - before < timedelta(seconds=3605)
    assert clock.now() >= after


def test_a_naive_start_is_utc_and_an_aware_one_is_converted():
    naive = SimClock(datetime(2026, 3, 1, 9, 0))
    aware = SimClock(datetime(2026, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=2))))
    assert abs((naive.now() - aware.now()).total_seconds()) < 2
    assert to_utc(datetime(2026, 3, 1, 9, 0)).tzinfo == UTC


def test_the_clock_never_goes_back():
    clock = SimClock()
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


def test_accounts_without_a_world_use_the_wall_clock():
    registered = SimClock(datetime(2030, 1, 1, tzinfo=UTC))
    register_account_clock("000000000777", registered)
    assert clock_for("000000000777") is registered
    assert abs((clock_for("000000000778").now() - datetime.now(UTC)).total_seconds()) < 5


def test_a_frozen_clock_moves_only_when_advanced():
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    clock = SimClock(start, frozen=True)
    assert clock.now() == start
    assert clock.advance(90.5) == start + timedelta(seconds=90)
    assert clock.advance(0.5) == start + timedelta(seconds=91)
