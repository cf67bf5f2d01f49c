"""What every live pane shares: polling in a worker thread, errors shown in place, backoff.

A pane reads the account in `fetch(target)` on a worker thread (AWS calls
only, through the Target's clients) and gets the result back as a message on
the app's thread, where `show(data)` updates its widgets. The next poll is set
with `set_timer` once the last one has ended, so polls never overlap; after a
failure the pane keeps polling with a growing delay and recovers by itself. Only a pane
the learner can see polls (as dolphie polls only its active tab): a hidden one marks
itself stale and polls when it is shown again (`wake`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from labguide.awstime import to_utc
from labguide.textsafe import visible
from labguide.tui.describe import describe_error

log = logging.getLogger(__name__)

__all__ = ["Col", "Pane", "PaneTable", "describe_error", "fit_widths", "sync_table"]

MAX_BACKOFF = 30.0


def cell_text(value: Any) -> Text:
    """A cell as a Text (a str would be read as markup), one line, `…` where it is cut."""
    text = value.copy() if isinstance(value, Text) else Text(visible(value, lines=False))
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def _cell_width(value: Any) -> int:
    return (value if isinstance(value, Text) else Text(str(value))).cell_len


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None in an empty table."""
    if not table.row_count or not table.is_valid_coordinate(table.cursor_coordinate):
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def sync_table(table: DataTable, rows: list[tuple[str, list[Any]]]) -> None:
    """Make a keyed DataTable show `rows`, in their order: update cells in place, add new
    rows, drop gone ones, then reorder (a sort of the row positions; no row is rebuilt).

    The cursor stays on the same row key, wherever that row now is: the rows a pane lists
    newest first arrive above it. When that row is gone (a filter left it out), the cursor
    goes to the first row.
    """
    if isinstance(table, PaneTable):
        table.fit(rows)
    keep = cursor_key(table)
    wanted = [key for key, _ in rows]
    wanted_set = set(wanted)
    for key in [row.key.value for row in table.ordered_rows if row.key.value not in wanted_set]:
        table.remove_row(key)
    present = {key.value for key in table.rows}
    columns = list(table.columns)
    for key, cells in rows:
        if key in present:
            for column, cell in zip(columns, cells, strict=False):
                if str(table.get_cell(key, column)) != str(cell):
                    table.update_cell(key, column, cell_text(cell))
        else:
            table.add_row(*[cell_text(c) for c in cells], key=key)
    if columns and [row.key.value for row in table.ordered_rows] != wanted:
        # DataTable.sort's key sees a row's cells, not its key: every stored cell is its own
        # Text (cell_text copies), so the first cell's identity names the row.
        position = {id(table.get_row(key)[0]): n for n, key in enumerate(wanted)}
        if len(position) == len(wanted):
            table.sort(key=lambda cells: position[id(cells[0])])
        else:  # cells shared between rows (not added here): rebuild in order
            table.clear()
            for key, cells in rows:
                table.add_row(*[cell_text(c) for c in cells], key=key)
    if keep in wanted_set and table.get_row_index(keep) != table.cursor_row:
        table.move_cursor(row=table.get_row_index(keep), animate=False)
    elif keep is not None and keep not in wanted_set and table.row_count:
        table.move_cursor(row=0, animate=False)  # its row is gone: back to the first


@dataclass(frozen=True)
class Col:
    """A PaneTable column: `least` cells wide at the narrowest, at most `most` (default
    `least`: a fixed width), else as wide as its widest cell or label. The `flex` column
    gives up width, down to `least`, so the others stay whole in a narrow pane."""

    key: str
    label: str
    least: int
    most: int | None = None
    flex: bool = False


def fit_widths(columns: Sequence[Col], content: Sequence[int], available: int,
               padding: int = 1) -> list[int]:
    """Each column's width for `content` (its widest cell or label) in `available` cells."""
    widths = [max(col.least, min(col.most or col.least, wide))
              for col, wide in zip(columns, content, strict=True)]
    over = sum(widths) + 2 * padding * len(widths) - available
    for n, col in enumerate(columns):
        if over > 0 and col.flex:
            give = min(over, widths[n] - col.least)
            widths[n] -= give
            over -= give
    return widths


class PaneTable(DataTable):
    """A pane's keyed table whose columns fit its width: recomputed when the rows or the
    width change (the columns are rebuilt then, rarely: not on a poll that changes nothing).
    Home and End go to the first and last row (DataTable's own scroll sideways only, so
    Home did not bring back the newest rows of a table listed newest first).
    """

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, columns: Sequence[Col], **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.specs = tuple(columns)
        for col in self.specs:
            self.add_column(col.label, key=col.key, width=col.least)

    def on_resize(self, _event: Any) -> None:
        self.fit()

    def fit(self, rows: list[tuple[str, list[Any]]] | None = None) -> None:
        """Set the widths for `rows` (else the rows shown) at the table's present width."""
        # The vertical scrollbar's room is kept always: rows added later cannot push the
        # last column off-screen.
        available = self.size.width - self.styles.scrollbar_size_vertical
        if available <= 0:  # not laid out yet, or in a hidden tab: fitted on its resize
            return
        if rows is None:
            rows = [(row.key.value, self.get_row(row.key)) for row in self.ordered_rows]
        content = [max([len(col.label)] + [_cell_width(cells[n]) for _, cells in rows
                                           if n < len(cells)])
                   for n, col in enumerate(self.specs)]
        widths = fit_widths(self.specs, content, available, self.cell_padding)
        if widths == [col.width for col in self.ordered_columns]:
            return
        keep = cursor_key(self)
        shown = [(row.key.value, self.get_row(row.key)) for row in self.ordered_rows]
        self.clear(columns=True)
        for col, width in zip(self.specs, widths, strict=True):
            self.add_column(col.label, key=col.key, width=width)
        for key, cells in shown:
            self.add_row(*cells, key=key)
        if keep is not None:
            self.move_cursor(row=self.get_row_index(keep), animate=False)


class Pane(Vertical, can_focus=False):
    """A live view of one part of the account."""

    ALLOW_MAXIMIZE = True

    name_: ClassVar[str] = ""
    title: ClassVar[str] = ""
    # bench/keypress.py sets it to measure the worst case: every pane polling at once.
    poll_hidden: ClassVar[bool] = False
    # Re-polled by its screen after each check round (it reads what the round reads: one
    # read per refresh, labguide.lab.feed) instead of on its own timer.
    follows_round: ClassVar[bool] = False

    class Fetched(Message):
        def __init__(self, pane: Pane, data: Any) -> None:
            super().__init__()
            self.pane, self.data = pane, data

    class FetchFailed(Message):
        def __init__(self, pane: Pane, cause: str) -> None:
            super().__init__()
            self.pane, self.cause = pane, cause

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(id=f"pane-{self.name_}", classes="pane", **kwargs)
        self.session = session
        self.failures = 0
        self.last_data: Any = None
        self.loaded = False  # True once a fetch succeeded
        self._timer: Any = None
        self._stopped = False
        self.stale = False  # a poll came due while hidden: poll when shown (wake)

    # ----- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-status", id=f"{self.name_}-status")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def focus_default(self) -> None:
        """Focus what the learner uses first here: the table, else the first focusable."""
        tables = list(self.query(DataTable))
        targets = tables or [w for w in self.query("*") if w.focusable]
        if targets:
            targets[0].focus()

    def set_status(self, text: str | Text, *, error: bool = False) -> None:
        status = self.query_one(".pane-status", Static)
        status.update(text if isinstance(text, Text) else Text(text))
        status.set_class(bool(text), "-visible")
        self.set_class(error, "error")
        status.set_class(error, "error")

    # ----- polling --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_status("starting the simulated account…" if self.session.target is None
                        and self.session.connection.is_simulator else "loading…")
        self.call_after_refresh(self.poll_now)

    def on_unmount(self) -> None:
        self._stopped = True

    @property
    def interval(self) -> float:
        return self.app.poll_interval  # type: ignore[attr-defined]

    @property
    def showing(self) -> bool:
        """On screen: its tab active, the panes shown, its screen current (or under a
        dialog)."""
        if not self.is_attached:
            return False
        current = self.app.screen
        if current is not self.screen and not current.is_modal:
            return False
        return all(node.display for node in self.ancestors_with_self
                   if node is not self.screen and hasattr(node, "display"))

    def poll_now(self) -> None:
        """Fetch now if shown (exclusive: a poll still running is superseded); a hidden
        pane fetches when it is shown again."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._poll()

    def wake(self) -> None:
        """Shown again: poll now if a poll came due while hidden."""
        if self.stale:
            self.poll_now()

    def _schedule(self, delay: float) -> None:
        if self._stopped or not self.is_attached:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._poll)

    def _poll(self) -> None:
        self._timer = None
        if self._stopped:
            return
        if not (self.showing or self.poll_hidden):
            self.stale = True
            return
        self.stale = False
        target = self.session.target
        if target is None:
            conn = self.session.connection
            if conn.error is not None:
                self.set_status(f"the simulated account failed to start: {conn.error}",
                                error=True)
                return
            self.set_status("starting the simulated account…")
            self._schedule(0.3)
            return
        self._fetch_worker(target)

    @work(thread=True, exclusive=True, exit_on_error=False, group="pane")
    def _fetch_worker(self, target: Any) -> None:
        try:
            data = self.fetch(target)
        except Exception as exc:  # shown in the pane; polling continues with backoff
            log.warning("pane %s: %s", self.name_, describe_error(exc))
            message: Message = self.FetchFailed(self, describe_error(exc))
        else:
            message = self.Fetched(self, data)
        if not get_current_worker().is_cancelled:  # superseded by a newer poll: it tells
            self.post_message(message)

    def on_pane_fetched(self, message: Fetched) -> None:
        if message.pane is not self:
            return
        message.stop()
        self.failures = 0
        self.loaded = True
        self.last_data = message.data
        self.set_status("")
        try:
            self.show(message.data)
        finally:
            if not self.round_driven:
                self._schedule(self.interval)

    def on_pane_fetch_failed(self, message: FetchFailed) -> None:
        if message.pane is not self:
            return
        message.stop()
        self.failures += 1
        delay = min(self.interval * (2 ** min(self.failures, 5)), MAX_BACKOFF)
        spec = getattr(self.session.connection, "spec", None)
        note = spec.env_note() if spec is not None else ""
        cause = f"{message.cause} ({note})" if note else message.cause
        self.set_status(
            Text.assemble(("⚠ error: ", "bold"), cause,
                          f"  (retrying in {delay:.0f} s)"),
            error=True,
        )
        if not self.round_driven:
            self._schedule(delay)

    @property
    def round_driven(self) -> bool:
        """Polled by its screen's check rounds: a follower on a lab session (which has the
        shared findings read); elsewhere (a dashboard's seat) it polls on its own timer."""
        return self.follows_round and getattr(self.session, "findings", None) is not None

    def read_findings(self, target: Any) -> Any:
        """The GuardDuty findings (labguide.checks.findings.FindingsRead): this refresh's
        shared read on a lab session, else a read of its own."""
        feed = getattr(self.session, "findings", None)
        if feed is not None:
            return feed.read(target)
        from labguide.checks.findings import read_findings

        return read_findings(target)

    # ----- what each pane defines -------------------------------------------------------------

    def fetch(self, target: Any) -> Any:  # worker thread: AWS reads only
        raise NotImplementedError

    def show(self, data: Any) -> None:  # app thread
        raise NotImplementedError

    # ----- shared helpers ---------------------------------------------------------------------

    def today(self) -> date:
        """Today's date (UTC) by the app's clock: times on it are shown without it."""
        return to_utc(self.app.now()).date()  # type: ignore[attr-defined]

    def fact(self, name: str) -> str | None:
        return self.session.facts.get(name)

    def offers(self, action: str) -> bool:
        """Whether this pane binds a key to `action`: a read-only copy (the instructor's
        view of a seat) binds none, so its text must not tell of keys it does not have."""
        return any(binding.action == action for binding in type(self).BINDINGS)

    def copy_value(self, value: str | None, what: str) -> None:
        if not value:
            self.notify(f"No {what} to copy here.", severity="warning")
            return
        self.app.copy_to_clipboard(value)
        self.notify(f"Copied {what}: {value}", title="Clipboard")

    def log_action(self, action: Any, _result: Any) -> None:
        """Keep the last action's AWS CLI equivalent visible under the pane's title."""
        self.last_cli = action.cli
        self.set_status(Text.assemble(("✓ ", "bold"), f"{action.describe()}  ",
                                      ("$ " + action.cli, "dim")))

    def run_action(self, action: Any, *, on_done: Any = None, acknowledge: str | None = None,
                   confirm: str | None = None, question: str | None = None) -> None:
        """Ask the screen to run a pane action (labguide.lab.guard decides: refuse on a
        read-only account, confirm when asked, else run on a worker)."""
        from labguide.lab.guard import ActionRequest
        from labguide.tui.messages import ActionRequested

        self.post_message(ActionRequested(self, ActionRequest(
            action, acknowledge=acknowledge, confirm=confirm, question=question), on_done))

    # The ActionRequester protocol (labguide.tui.messages): the screen's answer.

    def action_succeeded(self, action: Any, result: Any) -> None:
        self.remove_class("error")
        self.log_action(action, result)

    def action_failed(self, action: Any, error: str) -> None:
        self.set_status(Text(f"⚠ {action.describe()} failed: {error}"), error=True)
