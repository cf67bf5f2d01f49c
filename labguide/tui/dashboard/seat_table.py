"""The board's seat table: shows a refresh by touching only the cells that changed.

A class of 200 seats is 2,400 cells; between two refreshes a few seats change and the
clock moves a few columns. The rows arrive built (cells.RowTexts, on the poll's worker,
with the columns' content widths), and this table keeps what it shows, so a refresh on
the screen's thread compares and updates, re-sorts only when the order changed, and
rebuilds the columns only when their widths change.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets.data_table import RowKey

from labguide.tui.dashboard.cells import content_widths
from labguide.tui.panes.base import PaneTable, cursor_key, fit_widths


def _same(a: Text, b: Text) -> bool:
    return a is b or (a.plain == b.plain and a.style == b.style and a.spans == b.spans)


class SeatTable(PaneTable):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown: dict[str, list[Text]] = {}  # row key -> the cells on screen
        self.order: list[str] = []
        self.updated_cells = 0  # cells changed by the last show(), for tests and bench/

    def clear(self, columns: bool = False) -> Any:
        self.shown, self.order = {}, []
        return super().clear(columns=columns)

    def show(self, rows: list[tuple[str, list[Text]]], content: list[int]) -> None:
        """Make the table show `rows` in their order (content: each column's widest)."""
        keep = cursor_key(self)
        if self._refit(rows, content):
            self._restore(keep)
            return
        wanted = [key for key, _ in rows]
        wanted_set = set(wanted)
        for key in [k for k in self.shown if k not in wanted_set]:
            self.remove_row(key)
            del self.shown[key]
        columns = list(self.columns)
        changed = 0
        for key, cells in rows:
            old = self.shown.get(key)
            if old is None:
                self.add_row(*cells, key=key)
                self.shown[key] = list(cells)
                continue
            for n, cell in enumerate(cells):
                if not _same(old[n], cell):
                    self._put(key, columns[n], cell)
                    old[n] = cell
                    changed += 1
        if changed:
            self._update_count += 1  # what update_cell does, once for all the cells
            self.refresh()
        self.updated_cells = changed
        if wanted != self.order:
            # DataTable.sort sees cells, not keys: each row's first cell is its own object.
            position = {id(self.shown[key][0]): n for n, key in enumerate(wanted)}
            self.sort(key=lambda cells: position[id(cells[0])])
            self.order = wanted
        self._restore(keep)

    def fit(self, rows: list[tuple[str, list[Any]]] | None = None) -> None:
        """On a resize: the rows shown, fitted again (PaneTable's, keeping `shown`)."""
        rows = rows if rows is not None else [(key, self.shown[key]) for key in self.order
                                              if key in self.shown]
        keep = cursor_key(self)
        if self._refit(rows, content_widths(rows, self.specs)):
            self._restore(keep)

    def _put(self, key: str, column: Any, cell: Text) -> None:
        """DataTable.update_cell without its refresh per cell (a refresh of the widget
        costs about what 200 cells do; the caller refreshes once). Textual is pinned
        exactly; tests/dashboard read the cells back through the public API."""
        self._data[RowKey(key)][column] = cell

    def _restore(self, keep: str | None) -> None:
        if keep is not None and keep in self.shown and self.get_row_index(keep) != self.cursor_row:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    def _refit(self, rows: list[tuple[str, list[Text]]], content: list[int]) -> bool:
        """New column widths for this content: the table rebuilt with `rows` (True)."""
        available = self.size.width - self.styles.scrollbar_size_vertical
        if available <= 0:
            return False
        widths = fit_widths(self.specs, content, available, self.cell_padding)
        if widths == [col.width for col in self.ordered_columns]:
            return False
        self.clear(columns=True)
        for col, width in zip(self.specs, widths, strict=True):
            self.add_column(col.label, key=col.key, width=width)
        for key, cells in rows:
            self.add_row(*cells, key=key)
            self.shown[key] = list(cells)
        self.order = [key for key, _ in rows]
        self.updated_cells = sum(len(cells) for _, cells in rows)
        return True
