"""Small dialogs: confirm a change (with the console's acknowledgement), ask for a name,
show an unexpected error."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static


class ConfirmModal(ModalScreen[bool]):
    """Names the change and its CLI equivalent; with `acknowledge`, a box must be ticked."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: str, *, confirm_label: str = "Confirm",
                 acknowledge: str | None = None) -> None:
        super().__init__(classes="modal")
        self.title_text, self.body, self.confirm_label = title, body, confirm_label
        self.acknowledge = acknowledge

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Static(Text(self.body), classes="dialog-body")
            if self.acknowledge:
                yield Static(Text(self.acknowledge), classes="dialog-ack")
                yield Checkbox("I acknowledge", id="ack")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm_label, variant="error", id="confirm",
                             disabled=bool(self.acknowledge))
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ack" if self.acknowledge else "#cancel").focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptModal(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: str, label: str, *, default: str = "",
                 empty_message: str = "A name is needed.", allow_empty: bool = False) -> None:
        super().__init__(classes="modal")
        self.title_text, self.body, self.label, self.default = title, body, label, default
        self.empty_message, self.allow_empty = empty_message, allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Static(Text(self.body), classes="dialog-body")
            yield Label(Text(self.label))
            yield Input(value=self.default, id="prompt-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._finish()
        else:
            self.dismiss(None)

    def _finish(self) -> None:
        value = self.query_one(Input).value.strip()
        if not value and not self.allow_empty:
            self.query_one(Input).add_class("error")
            self.notify(self.empty_message, severity="error")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ErrorModal(ModalScreen[None]):
    """An unexpected error: what happened, where the log is; the app keeps running."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("enter", "close", "Close")]

    def __init__(self, summary: str, log_file: str) -> None:
        super().__init__(classes="modal")
        self.summary, self.log_file = summary, log_file

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label("Something went wrong", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(Text(self.summary), classes="dialog-body")
            yield Static(Text(f"Details are in {self.log_file}"), classes="dialog-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", variant="primary", id="close")

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
