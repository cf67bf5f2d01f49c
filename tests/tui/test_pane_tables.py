"""Pane tables: sync_table keeps the pane's row order and the cursor on its row; the
columns fit the pane's width (the short, decisive ones stay whole, the long one is cut)."""

from __future__ import annotations

from types import SimpleNamespace

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from labguide.tui.panes.attacker import AttackerPane
from labguide.tui.panes.base import Col, PaneTable, cursor_key, fit_widths, sync_table
from tests.tui.helpers import FROZEN_NOW


class TableApp(App):
    """The smallest app a pane or table runs in (the lab app's clock only)."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make  # widgets are made in the app's context (a table adds its columns)

    def compose(self) -> ComposeResult:
        self.widget = self.make()
        yield self.widget

    def now(self):
        return FROZEN_NOW


def rows(*keys: str) -> list[tuple[str, list]]:
    return [(key, [Text(key), Text(f"{key} detail")]) for key in keys]


def bare_table() -> DataTable:
    table: DataTable = DataTable(cursor_type="row")
    table.add_column("Key", key="key", width=10)
    table.add_column("Detail", key="detail", width=20)
    return table


def order(table: DataTable) -> list[str]:
    return [row.key.value for row in table.ordered_rows]


async def test_new_rows_go_where_the_pane_puts_them_and_the_cursor_keeps_its_row():
    app = TableApp(bare_table)
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.widget
        sync_table(table, rows("c", "b", "a"))
        table.move_cursor(row=1)  # on "b"
        await pilot.pause()
        kept = table.get_row("a")[0]

        sync_table(table, rows("e", "d", "c", "b", "a"))
        await pilot.pause()

        assert order(table) == ["e", "d", "c", "b", "a"]
        assert table.get_row_at(0)[0].plain == "e"
        assert cursor_key(table) == "b" and table.cursor_row == 3
        assert table.get_row("a")[0] is kept  # unchanged rows are not rebuilt


async def test_sync_table_updates_removes_and_reorders_in_place():
    app = TableApp(bare_table)
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.widget
        sync_table(table, rows("a", "b", "c", "d"))
        table.move_cursor(row=2)  # on "c"
        await pilot.pause()

        changed = [("d", [Text("d"), Text("d changed")]), *rows("c", "a")]
        sync_table(table, changed)
        await pilot.pause()

        assert order(table) == ["d", "c", "a"]
        assert table.get_cell("d", "detail").plain == "d changed"
        assert cursor_key(table) == "c" and table.cursor_row == 1


async def test_a_first_fill_leaves_the_cursor_on_the_newest_row():
    app = TableApp(bare_table)
    async with app.run_test(size=(60, 20)):
        table = app.widget
        sync_table(table, rows("b", "a"))
        assert cursor_key(table) == "b"


def test_the_flex_column_gives_up_width_the_others_stay_whole():
    cols = [Col("at", "Time", 8, 19), Col("result", "Result", 9, 24),
            Col("call", "Call", 12, 40, flex=True)]
    assert fit_widths(cols, [8, 21, 31], available=100) == [8, 21, 31]
    assert fit_widths(cols, [8, 21, 31], available=56) == [8, 21, 21]
    assert fit_widths(cols, [8, 21, 31], available=30) == [8, 21, 12]  # never below least
    assert fit_widths(cols, [19, 3, 5], available=56) == [19, 9, 12]


def fits(table: PaneTable) -> bool:
    used = sum(col.get_render_width(table) for col in table.columns.values())
    return used <= table.size.width - table.styles.scrollbar_size_vertical


async def test_a_pane_table_fits_its_width_and_refits_on_resize():
    app = TableApp(lambda: PaneTable([Col("short", "Short", 6),
                                      Col("long", "Long", 10, 80, flex=True)]))
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.widget
        long_text = "x" * 70
        sync_table(table, [("k", [Text("s"), Text(long_text)])])
        await pilot.pause()
        assert fits(table)
        assert table.columns["short"].width == 6

        await pilot.resize_terminal(100, 10)
        await pilot.pause()
        assert table.columns["long"].width == 70
        assert fits(table)
        assert cursor_key(table) == "k"


def attacker_pane() -> AttackerPane:
    connection = SimpleNamespace(is_simulator=False, error=None)
    return AttackerPane(SimpleNamespace(target=None, connection=connection, facts={}))


def call(minute: int, api: str, *, allowed: bool = True) -> dict:
    return {"at": f"2026-03-01T09:{minute:02d}:00.000Z", "service": "s3", "api": api,
            "allowed": allowed, "error_code": None if allowed else "AccessDenied"}


async def test_the_attackers_new_denied_call_is_the_first_row_with_its_result_on_screen():
    app = TableApp(attacker_pane)
    async with app.run_test(size=(58, 24)) as pilot:
        pane = app.widget
        table = pane.query_one(PaneTable)
        old = [call(5, "ListBuckets"), call(5, "GetObject"), call(7, "ListBuckets"),
               call(7, "GetObject")]
        pane.show({"calls": old})
        await pilot.pause()
        table.move_cursor(row=1)
        await pilot.pause()
        before = cursor_key(table)

        pane.show({"calls": [*old, call(9, "DeleteAccountPasswordPolicy", allowed=False)]})
        await pilot.pause()

        first = [cell.plain for cell in table.get_row_at(0)]
        assert first == ["09:09:00", "✗ denied AccessDenied", "s3 DeleteAccountPasswordPolicy"]
        assert cursor_key(table) == before and table.cursor_row == 2
        assert [col.label.plain for col in table.ordered_columns] == ["Time", "Result", "Call"]
        assert fits(table)  # the Result column is on screen at 80x24's pane width
