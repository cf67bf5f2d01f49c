"""The app's embedded world runs on the wall clock, and quitting leaves nothing running."""

from __future__ import annotations

import gc
import sys
import threading
import traceback
from datetime import UTC, datetime

from tests.tui.helpers import SCENARIO, lab_ready, make_app, wait_until


async def test_a_fresh_world_runs_on_the_wall_clock_and_stops_on_exit(tmp_path):
    app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", poll_interval=0.5,
                    check_interval=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        connection = app.session.connection
        await wait_until(pilot, lambda: connection.ready, "the simulator")
        assert connection.error is None
        world_now = connection.embedded.world.clock.now()
        assert abs((world_now - datetime.now(UTC)).total_seconds()) < 5, world_now
        account_now = connection.account_now(connection.target)
        assert abs((account_now - datetime.now(UTC)).total_seconds()) < 5, account_now
        # The story is over by now: the theft happened before the learner arrived.
        issued = connection.embedded.world.truth.stolen_session_issued_at
        assert issued < datetime.now(UTC)
        # The world and the settled lab are frozen: full collections do not walk them.
        await wait_until(pilot, lambda: app.screen._settled, "the first check round")
        assert gc.get_freeze_count() > 100_000
        embedded = connection.embedded
    assert connection.embedded is None  # closed on exit
    assert gc.get_freeze_count() == 0  # the stopped world can be collected again
    assert embedded.server._server is None  # the loopback server was shut down
    # Nothing of labguide's keeps the process alive: its threads end or are daemons.
    # (asyncio_N belong to the test's event loop, which asyncio.run would join.)
    ours = [t for t in threading.enumerate() if t is not threading.main_thread()
            and not t.daemon and not t.name.startswith("asyncio_")]
    for thread in ours:
        thread.join(timeout=5)
    frames = sys._current_frames()  # where a leftover thread is stuck, if any
    assert [t.name for t in ours if t.is_alive()] == [], "".join(
        "".join(traceback.format_stack(frames[t.ident])[-6:]) for t in ours[:2] if t.is_alive())


def test_times_shown_read_naive_datetimes_as_utc(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        app = make_app(store_path=None)
        assert app.format_time(datetime(2026, 3, 1, 9, 0, 5)) == "09:00:05 UTC"
        aware = datetime(2026, 3, 1, 9, 0, 5, tzinfo=UTC)
        assert app.format_time(aware) == "09:00:05 UTC"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
