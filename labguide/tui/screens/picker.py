"""The picker: bundled scenarios with their progress, or a YAML file by path."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Static


class PickerScreen(Screen):
    BINDINGS = [
        Binding("enter", "open_selected", "Open", show=False),
        Binding("o", "focus_path", "Open file"),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self, entries: list[dict[str, Any]], load_error: str | None = None) -> None:
        super().__init__(id="picker")
        self.entries = entries
        self.load_error = load_error

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Vertical(id="picker-body"):
            yield Label("Pick an exercise", id="picker-title")
            table: DataTable = DataTable(id="scenarios", cursor_type="row")
            table.add_column("Scenario", key="title")
            table.add_column("Steps", key="steps")
            table.add_column("Progress", key="progress")
            for entry in self.entries:
                table.add_row(Text(entry["title"]), Text(str(entry["steps"])),
                              Text(entry["progress"]), key=entry["id"])
            yield table
            yield Static("", id="picker-summary")
            with Horizontal(id="picker-path-row"):
                yield Input(placeholder="…or the path of a scenario YAML file (Enter to open)",
                            id="scenario-path")
                yield Button("Open", id="open-path", compact=True)
            yield Static("", id="picker-error")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "labguide"
        self.sub_title = "hands-on cloud-security exercises"
        self.query_one(DataTable).focus()
        self._show_summary()
        if self.load_error:
            self.show_error(self.load_error)

    def _selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _show_summary(self) -> None:
        entry = next((e for e in self.entries if e["id"] == self._selected_id()), None)
        summary = self.query_one("#picker-summary", Static)
        if entry is None:
            summary.update("No bundled scenarios found.")
            return
        summary.update(Text.assemble((entry["title"], "bold"), f"  ({entry['id']})\n",
                                     entry["summary"]))

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_summary()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_selected()

    def action_open_selected(self) -> None:
        if isinstance(self.focused, Input):
            return
        scenario_id = self._selected_id()
        if scenario_id:
            self.app.open_scenario(scenario_id)  # type: ignore[attr-defined]

    def action_focus_path(self) -> None:
        self.query_one("#scenario-path", Input).focus()

    @on(Input.Submitted, "#scenario-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._open_path()

    @on(Button.Pressed, "#open-path")
    def _path_button(self, _event: Button.Pressed) -> None:
        self._open_path()

    def _open_path(self) -> None:
        path = self.query_one("#scenario-path", Input).value.strip()
        if not path:
            self.show_error("Type the path of a scenario YAML file first.")
            return
        self.app.open_scenario(path)  # type: ignore[attr-defined]

    def show_error(self, message: str) -> None:
        error = self.query_one("#picker-error", Static)
        error.update(Text(message))
        error.add_class("error")
        self.query_one("#scenario-path", Input).add_class("error")
        self.notify(message.splitlines()[0], title="Cannot open the scenario",
                    severity="error", timeout=10)
