"""A table pane declared in the scenario (kind `table`): one read call, its rows (JMESPath),
its columns (a JMESPath each), the selected row as JSON below, the declared row actions,
each an AWS operation confirmed first and shown with its AWS CLI equivalent, and an
optional filter bar (`/`).

A scenario's pane is a subclass made for it (`for_spec`), so its action keys are real
bindings: they show in the footer and in the help like every other pane's. Actions go
to the screen as ActionRequested (labguide.lab.guard decides and asks first).

The filter is what the scenario declares: with `param`, the typed text is sent as that
parameter of the call when Enter is pressed (the service filters: a CloudWatch Logs
filter pattern for FilterLogEvents, exactly what `aws logs filter-log-events
--filter-pattern` would get); without, the rows whose cells contain the text, in any
case, as it is typed. Escape clears it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static

from labguide.actions import Action, Call
from labguide.actions.reads import read_all, render_call, select
from labguide.scenario import ContentError
from labguide.tui.pane_actions import PlannedAction
from labguide.tui.panes.base import Col, Pane, PaneTable, cursor_key, sync_table

MAX_ROWS = 500


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


class TablePane(Pane):
    """The generic declared table; see `for_spec`."""

    spec: ClassVar[Any] = None

    @classmethod
    def for_spec(cls, name: str, spec: Any) -> type[TablePane]:
        """The pane class for declared pane `name` (its bindings are its row actions)."""
        bindings = [Binding(action.key, f"row_action({index})", action.title)
                    for index, action in enumerate(spec.actions)]
        if spec.filter is not None:
            bindings += [Binding("slash", "focus_filter", "Filter"),
                         Binding("escape", "clear_filter", "Clear filter")]
        bindings.append(Binding("y", "copy_row", "Copy row JSON", show=False))
        return type(f"TablePane_{name.replace('-', '_')}", (cls,),
                    {"name_": name, "title": spec.title, "spec": spec, "BINDINGS": bindings})

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.filter_text = ""  # the filter applied (Enter, or as typed for a text filter)
        self._items: dict[str, Any] = {}

    def compose_body(self) -> ComposeResult:
        if self.spec.filter is not None:
            hint = self.spec.filter.placeholder or (
                f"{self.spec.filter.param}" if self.spec.filter.param else "text in a row")
            yield Input(placeholder=f"/ filter: {hint}; Enter applies, Esc clears",
                        id=f"{self.name_}-filter", classes="table-filter", compact=True)
        # The first column gives up width in a narrow pane, and takes what its text needs
        # in a wide one (a log line); the others stay whole up to 60 cells.
        columns = [Col(f"c{n}", title, max(4, len(title)), 240 if n == 0 else 60, flex=n == 0)
                   for n, title in enumerate(self.spec.columns)]
        yield PaneTable(columns, id=f"{self.name_}-table")
        with VerticalScroll(classes="detail"):
            yield Static("", id=f"{self.name_}-detail")

    def _variables(self, target: Any) -> dict[str, Any]:
        return {"facts": dict(self.session.facts), "region": target.region}

    @property
    def server_filter(self) -> str | None:
        """The call parameter the filter is sent as, when the service filters."""
        return self.spec.filter.param if self.spec.filter is not None else None

    def fetch(self, target: Any) -> Any:
        typed = self.filter_text
        given = {self.server_filter: typed} if self.server_filter and typed else None
        try:
            response = read_all(target, self.spec.call, self._variables(target), given)
        except ContentError as exc:  # a fact the call needs is not known yet
            return {"waiting": str(exc)}
        items = select(self.spec.rows, response) or []
        if not isinstance(items, list):
            items = [items]
        rows = []
        for item in items[:MAX_ROWS]:
            cells = [_cell(select(path, item)) for path in self.spec.columns.values()]
            identity = (_cell(select(self.spec.key, item)) if self.spec.key
                        else json.dumps(cells))
            key = hashlib.sha1(identity.encode()).hexdigest()[:16]
            rows.append((key, cells, item))
        return {"rows": rows, "sent": typed if given else ""}

    def show(self, data: Any) -> None:
        table = self.query_one(DataTable)
        if "waiting" in data:
            self.set_status(Text(f"waiting: {data['waiting']}"))
            sync_table(table, [])
            self._items = {}
            return
        rows = data["rows"]
        if self.filter_text and not self.server_filter:
            wanted = self.filter_text.casefold()
            rows = [row for row in rows if any(wanted in cell.casefold() for cell in row[1])]
        self._items = {key: item for key, _, item in rows}
        sync_table(table, [(key, cells) for key, cells, _ in rows])
        self._say_filter(len(rows), len(data["rows"]), data.get("sent", ""))
        self._show_detail()

    def _say_filter(self, shown: int, read: int, sent: str) -> None:
        """The pane's status line: what the filter keeps, or that there is nothing yet."""
        many = "row" if shown == 1 else "rows"
        if self.server_filter and sent:
            self.set_status(Text.assemble(("filter ", "bold"), f"{self.server_filter} ",
                                          (sent, "bold"), f": {shown} {many}  (Esc clears)"))
        elif self.filter_text and not self.server_filter:
            self.set_status(Text.assemble(("filter ", "bold"), (self.filter_text, "bold"),
                                          f": {shown} of {read} rows  (Esc clears)"))
        elif not shown:
            self.set_status("nothing to show yet")
        else:
            self.set_status("")

    # ----- the filter bar ---------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one(f"#{self.name_}-filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one(f"#{self.name_}-filter", Input).value = ""
        self._apply_filter("")
        self.query_one(DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # shown, and Escape taken, only while a filter is set
            return bool(self.filter_text)
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"{self.name_}-filter":
            event.stop()
            self._apply_filter(event.value.strip())
            self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == f"{self.name_}-filter":
            event.stop()
            if not self.server_filter:  # a text filter follows the typing
                self._apply_filter(event.value.strip())

    def _apply_filter(self, text: str) -> None:
        changed = text != self.filter_text
        self.filter_text = text
        self.refresh_bindings()
        if self.server_filter:
            if changed:
                self.poll_now()  # the service filters: ask again
        elif self.last_data is not None:
            self.show(self.last_data)

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self._show_detail()

    def selected(self) -> Any:
        key = cursor_key(self.query_one(DataTable))
        return getattr(self, "_items", {}).get(key) if key else None

    def _show_detail(self) -> None:
        item = self.selected()
        detail = self.query_one(f"#{self.name_}-detail", Static)
        detail.update(Text(json.dumps(item, indent=2, default=str) if item is not None
                           else "Select a row to see it whole."))

    def action_copy_row(self) -> None:
        item = self.selected()
        self.copy_value(json.dumps(item, default=str) if item is not None else None, "row")

    def action_row_action(self, index: int) -> None:
        declared = self.spec.actions[index]
        item = self.selected()
        if item is None:
            self.notify("Select a row first.", severity="warning")
            return
        target = self.session.target
        if target is None:
            self.notify("The account is not ready yet.", severity="warning")
            return
        variables = {**self._variables(target), "row": item}
        try:
            params = render_call(declared.call, variables)
            question = str(_render_text(declared.confirm, variables))
        except (ContentError, ValueError) as exc:
            self.notify(f"{declared.title}: {exc}", severity="error")
            return
        action = Action(declared.title, (Call(declared.call.service, declared.call.operation,
                                             params),))
        self.run_action(PlannedAction(action, lambda _target: action),
                        on_done=lambda _result: self.poll_now(), confirm=declared.title,
                        question=question)


def _render_text(template: str, variables: dict[str, Any]) -> Any:
    from labguide.scenario import render_params

    return render_params(template, variables, where="confirm")
