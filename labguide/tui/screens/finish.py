"""The closing text, shown once every step is done (and on `f`)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from labguide.tui.widgets.callouts import markdown_blocks


class FinishScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, markdown: str, session: Any) -> None:
        super().__init__(classes="modal")
        self.markdown, self.session = markdown, session

    def compose(self) -> ComposeResult:
        done, total = self.session.done_count(), len(self.session.scenario.steps)
        with Vertical(classes="dialog wide-dialog"):
            yield Label(f"✓ {done}/{total} steps done", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll", id="finish-text"):
                yield from markdown_blocks(self.markdown)
            yield Button("Close", variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
