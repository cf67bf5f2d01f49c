"""The class at a glance: the header's counts, the seat table or the seats-by-steps grid.

One status request per refresh (all seats), in an exclusive worker that also builds the
view and its cells, so the screen only swaps them in; the next refresh is set when this
one has ended, and only while this screen is on top. A server that stops answering is
shown in the header (the last view stays, dimmed) and polled with a growing delay
until it answers again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, DataTable, Footer, Input, Static

from labguide.awstime import span
from labguide.tui.dashboard import cells
from labguide.tui.dashboard.actions import ACTIONS, Request
from labguide.tui.dashboard.model import ClassView, SeatRow, SeatsSeen
from labguide.tui.dashboard.polling import PolledScreen
from labguide.tui.dashboard.seat_table import SeatTable
from labguide.tui.panes.base import cell_text, cursor_key, sync_table

log = logging.getLogger(__name__)

SORTS = (  # label, key (ascending), reversed
    ("seat", lambda r: r.seat, False),
    ("help", lambda r: (not r.help, -(r.help_age or 0), r.seat), False),
    ("status", lambda r: (_STATUS_ORDER.get(r.status, 9), r.seat), False),
    ("progress", lambda r: (r.steps_done, r.step_index, r.seat), False),
    ("time on step", lambda r: (-(r.on_step or -1), r.seat), False),
    ("failures", lambda r: (-(r.current.failures if r.current else 0), r.seat), False),
    ("last seen", lambda r: (-(r.last_seen_age if r.last_seen_age is not None else 1e12),
                             r.seat), False),
)
_STATUS_ORDER = {"error": 0, "idle": 1, "active": 2, "not joined": 3, "done": 4}
QUICK_FILTERS = ("", "help", "failing", "stuck", "idle", "not joined", "done")
# The per-step stats' widths, for the longest value each can take (a width taken from the
# first refresh cut "3m05s" to "3m…" once times grew; seen in tmux); the title fits itself.
STATS_WIDTHS = (2, None, 12, 6, 9, 11, 6)


class BoardScreen(PolledScreen):
    BINDINGS = [
        Binding("enter", "open_seat", "Seat", show=False),
        Binding("g", "toggle_grid", "Grid"),
        Binding("s", "sort", "Sort"),
        Binding("f", "quick_filter", "Flag filter"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("x", "export", "Export"),
        *[Binding(a.key, f"act('{a.id}')", a.label, show=a.id in ("message", "broadcast"))
          for a in ACTIONS],
        Binding("u", "refresh_now", "Refresh", show=False),
    ]

    class Fetched(Message):
        def __init__(self, view: ClassView, shown: Shown, started: float) -> None:
            super().__init__()
            self.view, self.shown, self.started = view, shown, started

    class Failed(Message):
        def __init__(self, cause: str) -> None:
            super().__init__()
            self.cause = cause

    def __init__(self) -> None:
        super().__init__(id="board")
        self.view: ClassView | None = None
        self.sort_index = 0
        self.filter_text = ""
        self.unreachable_since: Any = None
        self.refreshed_at: Any = None
        self.refresh_times: list[float] = []  # seconds, request to screen, for bench/
        self._columns = cells.WIDE
        self._known = SeatsSeen()  # the last refresh's seats: unchanged ones are not rebuilt
        self._texts = cells.RowTexts()  # and their cells
        self.grid_shown = False  # the seats-by-steps grid is built only while it is shown

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._size_classes(self.app.size.width, self.app.size.height)
        yield Static(id="class-header")
        yield Static(id="view-bar")
        with ContentSwitcher(initial="seats-view", id="views"):
            with Vertical(id="seats-view"):
                yield SeatTable(cells.WIDE, id="seat-table")
                yield DataTable(id="step-summary", cursor_type="none", zebra_stripes=True)
                yield Static(id="seat-line")
            with Vertical(id="grid-view"):
                yield DataTable(id="step-stats", cursor_type="none", zebra_stripes=True)
                yield Static(cells.GRID_LEGEND, id="grid-legend")
                yield DataTable(id="grid", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="filter: text, or help / failing / stuck / idle / done",
                    id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self._show_header()
        self._show_view_bar()

    def _size_classes(self, width: int, height: int) -> None:
        """Before the first layout too: the header's height depends on them."""
        self.set_class(width < cells.NARROW_BELOW, "-narrow")
        self.set_class(height >= 40, "-tall")

    def on_resize(self, event: Any) -> None:
        self._size_classes(event.size.width, event.size.height)
        wanted = cells.NARROW if event.size.width < cells.NARROW_BELOW else cells.WIDE
        if wanted != self._columns:  # same table, other columns: the cursor stays
            self._columns = wanted
            table = self.query_one("#seat-table", SeatTable)
            keep = cursor_key(table)
            table.specs = wanted
            table.clear(columns=True)
            for col in wanted:
                table.add_column(col.label, key=col.key, width=col.least)
            if self.view is not None:
                self._show_rows(self._visible(self.view))
                if keep is not None and keep in table.shown:
                    table.move_cursor(row=table.get_row_index(keep), animate=False)
        self._show_header()

    # ----- polling ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def _fetch(self) -> None:
        """The status, and everything the screen shows of it, built here: the screen's
        thread only swaps in the cells that changed."""
        app: Any = self.app
        started = time.perf_counter()
        try:
            status = app.client.status(view="board")
            view = ClassView.build(status, app.now(), idle_after=app.options.idle_after,
                                   stuck_after=app.options.stuck_after, known=self._known)
            shown = self._shown_of(view)
        except Exception as exc:  # the server is down or said no: shown in the header
            from labguide.tui.dashboard.app import describe_failure

            self.post_message(self.Failed(describe_failure(exc)))
            return
        self.post_message(self.Fetched(view, shown, started))

    def _shown_of(self, view: ClassView) -> Shown:
        """What the screen shows of `view` with the sort, filter and columns of now."""
        sort, needle, columns = self.sort_index, self.filter_text, self._columns
        rows = self._visible(view, sort, needle)
        texts = self._texts.rows(rows, columns)
        return Shown(sort, needle, columns, texts, cells.content_widths(texts, columns),
                     _stats_rows(view),
                     _seat_grid(view, rows) if self.grid_shown else None)

    def on_board_screen_fetched(self, message: Fetched) -> None:
        self.unreachable_since = None
        self.polled()
        self.view = message.view
        self.refreshed_at = self.app.now()  # type: ignore[attr-defined]
        self.remove_class("-stale")
        shown = message.shown
        if (shown.sort, shown.needle, shown.columns) != (self.sort_index, self.filter_text,
                                                           self._columns) or \
                (self.grid_shown and shown.grid is None):
            shown = self._shown_of(message.view)  # a key changed them meanwhile
        self._show(shown)
        self._show_header()
        self.refresh_times.append(time.perf_counter() - message.started)

    def on_board_screen_failed(self, message: Failed) -> None:
        self.poll_failed(message.cause)
        if self.unreachable_since is None:
            self.unreachable_since = self.app.now()  # type: ignore[attr-defined]
        self.add_class("-stale")
        self._show_header()

    # ----- showing --------------------------------------------------------------------------

    def _state(self) -> Text:
        if self.error:
            since = self.unreachable_since.strftime("%H:%M:%S") if self.unreachable_since else ""
            return Text.assemble(("⚠ ", "bold red"), (self.error, "bold red"),
                                 f" (since {since}, retrying)")
        if self.refreshed_at is None:
            return Text("connecting…", style="dim")
        return Text(f"● live {self.refreshed_at.strftime('%H:%M:%S')}", style="green")

    def _show_header(self) -> None:
        header = self.query_one("#class-header", Static)
        header.update(cells.header_text(self.view, self.size.width or 80, self._state()))

    def _show_view_bar(self) -> None:
        grid = self.query_one("#views", ContentSwitcher).current == "grid-view"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Steps grid" if grid else "Seats", style="bold reverse")
        text.append(f"  sort: {SORTS[self.sort_index][0]}")
        if self.filter_text:
            text.append("  filter: ")
            text.append(self.filter_text, style="bold yellow")
        text.append("  ·  ", style="dim")
        text.append("Enter", style="bold")
        text.append(" seat  ")
        text.append("g", style="bold")
        text.append(" seats" if grid else " grid")
        self.query_one("#view-bar", Static).update(text)

    def _visible(self, view: ClassView, sort: int | None = None,
                 needle: str | None = None) -> list[SeatRow]:
        _label, key, reverse = SORTS[self.sort_index if sort is None else sort]
        needle = self.filter_text if needle is None else needle
        rows = [r for r in view.seats if r.matches(needle)]
        return sorted(rows, key=key, reverse=reverse)

    def _show(self, shown: Shown) -> None:
        table = self.query_one("#seat-table", SeatTable)
        table.show(shown.texts, shown.content)
        self._show_seat_line()
        stats_rows, stats_columns = shown.stats
        for stats in self.query("#step-stats, #step-summary").results(DataTable):
            if [str(c.label) for c in stats.ordered_columns] != stats_columns:
                stats.clear(columns=True)
                for label, width in zip(stats_columns, STATS_WIDTHS, strict=True):
                    stats.add_column(label, width=width)
            sync_table(stats, stats_rows)
        if shown.grid is not None:
            self._show_grid(shown.grid)

    def _show_rows(self, rows: list[SeatRow]) -> None:
        table = self.query_one("#seat-table", SeatTable)
        texts = self._texts.rows(rows, table.specs)
        table.show(texts, cells.content_widths(texts, table.specs))
        self._show_seat_line()

    def _show_grid(self, grid: tuple) -> None:
        seat_rows, seat_columns = grid
        table = self.query_one("#grid", DataTable)
        if [str(c.label) for c in table.ordered_columns] != seat_columns:
            table.clear(columns=True)
            table.add_columns(*seat_columns)
        sync_table(table, seat_rows)

    def selected_row(self) -> SeatRow | None:
        if self.view is None:
            return None
        grid = self.query_one("#views", ContentSwitcher).current == "grid-view"
        table = self.query_one("#grid" if grid else "#seat-table", DataTable)
        key = cursor_key(table)
        return self.view.seat(int(key)) if key else None

    def _show_seat_line(self) -> None:
        self.query_one("#seat-line", Static).update(cells.seat_line(self.selected_row(),
                                                                    self.view))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_seat_line()

    @on(DataTable.RowSelected)
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_seat()

    # ----- keys -----------------------------------------------------------------------------

    def action_open_seat(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        from labguide.tui.dashboard.seat import SeatScreen

        self.app.push_screen(SeatScreen(row.seat, self.view))

    def action_toggle_grid(self) -> None:
        switcher = self.query_one("#views", ContentSwitcher)
        switcher.current = "seats-view" if switcher.current == "grid-view" else "grid-view"
        self.grid_shown = switcher.current == "grid-view"
        if self.grid_shown and self.view is not None:
            self._show_grid(_seat_grid(self.view, self._visible(self.view)))
        self.query_one("#grid" if self.grid_shown else "#seat-table").focus()
        self._show_view_bar()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._resort()

    def action_quick_filter(self) -> None:
        now = self.filter_text if self.filter_text in QUICK_FILTERS else ""
        self.filter_text = QUICK_FILTERS[(QUICK_FILTERS.index(now) + 1) % len(QUICK_FILTERS)]
        self._resort()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self.filter_text
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display or self.filter_text:
            box.display = False
            self.filter_text = ""
            self._resort()
            self.query_one("#seat-table").focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._resort()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, _event: Input.Submitted) -> None:
        box = self.query_one("#filter", Input)
        box.display = bool(self.filter_text)
        self.query_one("#seat-table").focus()

    def _resort(self) -> None:
        self._show_view_bar()
        if self.view is not None:
            rows = self._visible(self.view)
            self._show_rows(rows)
            if self.grid_shown:
                self._show_grid(_seat_grid(self.view, rows))

    def action_act(self, action_id: str) -> None:
        from labguide.tui.dashboard.actions import BY_ID

        action = BY_ID[action_id]
        if action.scope == "class":
            self.app.ask(Request(action))  # type: ignore[attr-defined]
            return
        row = self.selected_row()
        if row is None:
            self.notify("Select a seat first.", severity="warning")
            return
        self.app.ask(Request(action, row.seat, row.name, row.current_step))  # type: ignore

    def action_export(self) -> None:
        self.app.ask_export()  # type: ignore[attr-defined]

    def action_refresh_now(self) -> None:
        self.refresh_now()


@dataclass(frozen=True)
class Shown:
    """One refresh as the screen shows it, built by the poll's worker."""

    sort: int
    needle: str
    columns: tuple
    texts: list  # the seat table's rows: (key, cells)
    content: list[int]  # each column's widest cell
    stats: tuple  # (rows, columns) of the per-step stats
    grid: tuple | None  # (rows, columns) of the seats-by-steps grid, when it is shown


def _stats_rows(view: ClassView) -> tuple:
    """(rows, columns) of the per-step stats: done, median time, failure rate, p75."""
    stats_columns = ["#", "Step", "Done", "Median", "Fail rate", "Failing now", "p75"]
    stats_rows = [
        (step.id, [Text(str(n + 1)), Text(step.title or step.id),
                   Text(f"{step.done}/{step.seats} {cells.percent(step.completion)}"),
                   Text(span(step.median) if step.median is not None else "—"),
                   Text(cells.percent(step.failure_rate)),
                   Text(str(step.failing), style="bold red" if step.failing else "dim"),
                   Text(span(step.p75) if step.p75 is not None else "—")])
        for n, step in enumerate(view.steps)
    ]
    return stats_rows, stats_columns


def _seat_grid(view: ClassView, rows: list[SeatRow]) -> tuple:
    """(rows, columns) of the seats-by-steps grid, for the seats shown (sorted, filtered)."""
    seat_columns = ["Seat", "Name", *[str(n + 1) for n in range(len(view.steps))], "Done"]
    order = [s.id for s in view.steps]
    seat_rows = []
    for row in rows:
        status = {c.id: c.status for c in row.cells}
        seat_rows.append((str(row.seat), [
            Text(str(row.seat)), cell_text(row.name or "—"),
            *[cells.grid_cell(status.get(step_id, "not-started")) for step_id in order],
            Text(f"{row.steps_done}/{len(order)}")]))
    return seat_rows, seat_columns


class DashboardHelp(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close"), Binding("question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        lines = [
            "Enter  open the seat under the cursor (timeline, checks, its account)",
            "g      seats table / seats-by-steps grid",
            "s      sort: " + ", ".join(label for label, _k, _r in SORTS),
            "f      flag filter: " + ", ".join(f or "all" for f in QUICK_FILTERS),
            "/      filter by text (a name, a step, a flag); Esc clears",
            "x      export the class to a CSV or JSON file",
            *[f"{a.key:<6} {a.label.lower()}" + (" (the seat under the cursor)"
                                                  if a.scope == "seat" else " (every seat)")
              for a in ACTIONS],
            "",
            "Flags: ⚑ time on step over the class's 75th percentile for it (stuck),",
            "✗ checks failing, ✋ help requested, ◌ idle (no activity for a while).",
            "Attacker: calls with the stolen credentials lately, ✓ allowed / ✗ denied.",
            "Every action asks first and shows its command line.",
        ]
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Text("Instructor dashboard: keys"), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(Text("\n".join(lines)), classes="dialog-body")

    def action_close(self) -> None:
        self.dismiss(None)
