"""A table pane declared in the scenario (kind `table`): one read call, its rows (JMESPath),
its columns (a JMESPath each), the selected row as JSON below, and the declared row
actions, each an AWS operation confirmed first and shown with its AWS CLI equivalent.

A scenario's pane is a subclass made for it (`for_spec`), so its action keys are real
bindings: they show in the footer and in the help like every other pane's.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

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
        bindings.append(Binding("y", "copy_row", "Copy row JSON", show=False))
        return type(f"TablePane_{name.replace('-', '_')}", (cls,),
                    {"name_": name, "title": spec.title, "spec": spec, "BINDINGS": bindings})

    def compose_body(self) -> ComposeResult:
        columns = [Col(f"c{n}", title, max(4, len(title)), 60, flex=n == 0)
                   for n, title in enumerate(self.spec.columns)]
        yield PaneTable(columns, id=f"{self.name_}-table")
        with VerticalScroll(classes="detail"):
            yield Static("", id=f"{self.name_}-detail")

    def _variables(self, target: Any) -> dict[str, Any]:
        return {"facts": dict(self.session.facts), "region": target.region}

    def fetch(self, target: Any) -> Any:
        try:
            response = read_all(target, self.spec.call, self._variables(target))
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
        return {"rows": rows}

    def show(self, data: Any) -> None:
        table = self.query_one(DataTable)
        if "waiting" in data:
            self.set_status(Text(f"waiting: {data['waiting']}"))
            sync_table(table, [])
            self._items = {}
            return
        self._items = {key: item for key, _, item in data["rows"]}
        sync_table(table, [(key, cells) for key, cells, _ in data["rows"]])
        if not data["rows"]:
            self.set_status("nothing to show yet")
        self._show_detail()

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
        from labguide.tui.screens.modals import ConfirmModal

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
        planned = PlannedAction(action, lambda _target: action)
        body = f"{question}\n\nAWS CLI equivalent:\n  {action.cli}"

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.run_action(planned, on_done=lambda *_: self.poll_now())
            else:
                self.notify("Cancelled: nothing was changed.")

        self.app.push_screen(ConfirmModal(declared.title, body, confirm_label="Yes, do it"),
                             confirmed)


def _render_text(template: str, variables: dict[str, Any]) -> Any:
    from labguide.scenario import render_params

    return render_params(template, variables, where="confirm")
