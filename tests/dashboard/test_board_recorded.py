"""The dashboard on recorded class status JSON, over real HTTP on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from labguide.tui.dashboard.app import DashboardApp, DashboardOptions
from tests.dashboard.recorded import RecordedClass
from tests.tui.helpers import wait_until

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def recorded():
    server = RecordedClass()
    yield server
    server.close()


def app_for(server, **kw):
    return DashboardApp(DashboardOptions(url=server.url, token=server.token,
                                         token_file="/tmp/t.token", interval=0.2,
                                         clock=lambda: NOW, **kw))


async def test_board_shows_counts_and_flags(recorded):
    app = app_for(recorded)
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        header = str(board.query_one("#class-header").render())
        print(header)
        assert "5 seats" in header and "4 joined" in header
        table = board.query_one("#seat-table")
        print([str(c) for c in table.get_row("2")])


async def test_seat_panes_read_the_account_through_the_class_api(frozen_sim):
    from labguide.tui.dashboard.seat import SeatScreen
    from labguide.tui.panes.findings import FindingsPane

    server = RecordedClass(account=frozen_sim.target)
    try:
        app = app_for(server)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(pilot, lambda: app.screen.view is not None, "the first status")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, SeatScreen), "seat screen")
            screen = app.screen
            await wait_until(pilot, lambda: screen.query(FindingsPane), "the seat's panes")
            pane = screen.query_one(FindingsPane)
            await wait_until(pilot, lambda: pane.loaded, "findings read through /class/aws")
            assert pane.last_data
            assert not pane.has_class("error")
            assert not [p for p, _ in server.posts]  # reads only: nothing posted
    finally:
        server.close()
