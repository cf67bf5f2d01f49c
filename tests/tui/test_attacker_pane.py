"""The attacker pane (issue 11.8): newest calls on top and followed; reading an older row
keeps it, says how many came above, and Home brings the newest back; denial codes explained."""

from __future__ import annotations

from textual.widgets import DataTable, TabbedContent

from labguide.tui.panes.attacker import DENIALS, AttackerPane
from labguide.tui.screens.help import HelpScreen, binding_sections
from tests.tui.helpers import frozen_lab_app, lab_ready, wait_for_workers, wait_until


async def polled(pilot, pane: AttackerPane) -> None:
    before = pane.last_data
    pane.poll_now()
    await wait_until(pilot, lambda: pane.last_data is not before, "the pane's next read")
    await wait_for_workers(pilot.app)
    await pilot.pause()


async def test_home_brings_back_the_newest_calls_and_on_top_the_pane_follows(
        tmp_path, frozen_sim):
    world = frozen_sim.embedded.world
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        app.screen.open_step("review")  # its panes: the attacker's calls among them
        await pilot.pause()
        app.screen.query_one(TabbedContent).active = "tab-attacker"
        pane = app.screen.query_one(AttackerPane)
        await wait_until(pilot, lambda: pane.showing and pane.last_data, "attacker calls")
        table = pane.query_one(DataTable)
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        reading = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        world.advance(600)  # the attacker calls again, several times
        await polled(pilot, pane)
        above = table.cursor_row
        assert above > 2  # new rows came above the row being read, which stays
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key == reading
        status = str(pane.query_one(".pane-status").render())
        assert f"↑ {above} newer calls above" in status and "Home" in status
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_y == 0  # the newest, on screen
        newest = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        world.advance(600)
        await polled(pilot, pane)
        assert table.cursor_row == 0  # on top, the pane follows the newest call
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key != newest
        assert "newer calls" not in str(pane.query_one(".pane-status").render())


async def test_a_denial_code_is_explained_under_the_table_and_in_the_help(tmp_path,
                                                                          frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        app.screen.open_step("review")
        await pilot.pause()
        app.screen.query_one(TabbedContent).active = "tab-attacker"
        pane = app.screen.query_one(AttackerPane)
        await wait_until(pilot, lambda: pane.showing and pane.last_data, "attacker calls")
        await pilot.pause()
        codes = {c.get("error_code") for c in pane.last_data["calls"] if not c["allowed"]}
        assert "AccessDenied" in codes
        legend = pane.query_one("#attacker-legend")
        assert legend.display
        assert "AccessDenied: IAM refused the call" in str(legend.render())
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
    rows = dict(binding_sections())["Pane: Attacker"]
    keys = [key for key, _ in rows]
    assert "Home / End" in keys and "↑ / ↓" in keys  # it listed no keys at all
    assert {f"✗ {code}" for code in DENIALS} <= set(keys)
    assert "past their expiry time" in dict(rows)["✗ ExpiredToken"]
