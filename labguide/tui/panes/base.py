"""What every live pane shares: polling in a worker thread, errors shown in place, backoff.

A pane reads the account in `fetch(target)` on a worker thread (AWS calls
only, through the Target's clients) and gets the result back as a message on
the app's thread, where `show(data)` updates its widgets. The next poll is set
with `set_timer` once the last one has ended, so polls never overlap; after a
failure the pane keeps polling with a growing delay and recovers by itself.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from labguide.tui.describe import describe_error

log = logging.getLogger(__name__)

__all__ = ["Pane", "describe_error", "sync_table"]

MAX_BACKOFF = 30.0


def sync_table(table: DataTable, rows: list[tuple[str, list[Any]]]) -> None:
    """Make a keyed DataTable show `rows`: update cells in place, add new rows, drop gone ones.

    Rows keep their keys, so the cursor stays on the same item across polls.
    """
    wanted = {key for key, _ in rows}
    columns = list(table.columns)
    for key in [k.value for k in table.rows if k.value not in wanted]:
        table.remove_row(key)
    for key, cells in rows:
        cells = [c if isinstance(c, Text) else Text(str(c)) for c in cells]
        if key in {k.value for k in table.rows}:
            for column, cell in zip(columns, cells, strict=False):
                if str(table.get_cell(key, column)) != str(cell):
                    table.update_cell(key, column, cell)
        else:
            table.add_row(*cells, key=key)


class Pane(Vertical, can_focus=False):
    """A live view of one part of the account."""

    ALLOW_MAXIMIZE = True

    name_: ClassVar[str] = ""
    title: ClassVar[str] = ""

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

    def poll_now(self) -> None:
        """Fetch now (exclusive: a poll still running is superseded)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._poll()

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
            self.post_message(self.FetchFailed(self, describe_error(exc)))
        else:
            self.post_message(self.Fetched(self, data))

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
            self._schedule(self.interval)

    def on_pane_fetch_failed(self, message: FetchFailed) -> None:
        if message.pane is not self:
            return
        message.stop()
        self.failures += 1
        delay = min(self.interval * (2 ** min(self.failures, 5)), MAX_BACKOFF)
        self.set_status(
            Text.assemble(("⚠ error: ", "bold"), message.cause,
                          f"  (retrying in {delay:.0f} s)"),
            error=True,
        )
        self._schedule(delay)

    # ----- what each pane defines -------------------------------------------------------------

    def fetch(self, target: Any) -> Any:  # worker thread: AWS reads only
        raise NotImplementedError

    def show(self, data: Any) -> None:  # app thread
        raise NotImplementedError

    # ----- shared helpers ---------------------------------------------------------------------

    def fact(self, name: str) -> str | None:
        return self.session.facts.get(name)

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
                   ) -> None:
        """Run a pane action: refuse on a read-only account, confirm when asked, then a worker."""
        self.app.run_pane_action(self, action, on_done=on_done,  # type: ignore[attr-defined]
                                 acknowledge=acknowledge)
