"""Snapshots of the dashboard's main views at 80x24 and 160x48, on recorded class status
(fixed times: the same picture every run)."""

from __future__ import annotations

import pytest

from tests.dashboard.recorded import RecordedClass
from tests.dashboard.test_board_recorded import app_for
from tests.tui.helpers import wait_for_workers, wait_until

SIZES = {"small": (80, 24), "wide": (160, 48)}


@pytest.fixture
def recorded():
    server = RecordedClass()
    yield server
    server.close()


async def _board(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.screen.view is not None, "the first status")
    await wait_for_workers(pilot.app)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_board(snap_compare, recorded, size):
    assert snap_compare(app_for(recorded, interval=600), terminal_size=SIZES[size],
                        run_before=_board)


@pytest.mark.parametrize("size", SIZES)
def test_grid(snap_compare, recorded, size):
    async def grid(pilot) -> None:
        await _board(pilot)
        await pilot.press("g")
        await pilot.pause()

    assert snap_compare(app_for(recorded, interval=600), terminal_size=SIZES[size],
                        run_before=grid)


@pytest.mark.parametrize("size", SIZES)
def test_seat_detail(snap_compare, recorded, size):
    async def seat(pilot) -> None:
        from labguide.tui.dashboard.seat import SeatScreen

        await _board(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SeatScreen)
                         and pilot.app.screen.detail, "the seat's detail")
        await wait_for_workers(pilot.app)
        await pilot.pause()

    # No scenario name in the recorded seat: no pane tabs (their data would change per run).
    recorded.status["scenario"] = ""
    assert snap_compare(app_for(recorded, interval=600), terminal_size=SIZES[size],
                        run_before=seat)
