"""The closing text, shown once every step is done (and on `f`)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from labguide.tui.widgets.callouts import markdown_blocks


class FinishScreen(ModalScreen[None]):
    """The text takes the dialog's height above the button row (it used to stop at a fixed
    height, cutting the tip box's bottom border right above the Close button); arrows
    scroll it while the button keeps the focus."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("down", "scroll('down')", "Scroll down", show=False),
        Binding("up", "scroll('up')", "Scroll up", show=False),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
    ]

    def __init__(self, markdown: str, session: Any) -> None:
        super().__init__(classes="modal")
        self.markdown, self.session = markdown, session

    def compose(self) -> ComposeResult:
        done, total = self.session.done_count(), len(self.session.scenario.steps)
        with Vertical(classes="dialog wide-dialog finish-dialog"):
            yield Label(f"✓ {done}/{total} steps done", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll", id="finish-text"):
                yield from markdown_blocks(self.markdown)
            with Horizontal(classes="dialog-buttons"):
                yield Label("", id="finish-more", classes="dialog-note")
                yield Button("Close", variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one(Button).focus()
        self.call_after_refresh(self._say_if_more)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_if_more)

    def _say_if_more(self) -> None:
        scroll = self.query_one("#finish-text", VerticalScroll)
        more = self.query_one("#finish-more", Label)
        more.update("↑/↓ PgUp/PgDn scroll the text · Esc closes" if scroll.max_scroll_y
                    else "")

    def action_scroll(self, how: str) -> None:
        getattr(self.query_one("#finish-text", VerticalScroll), f"scroll_{how}")(animate=False)

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
