"""The participant's side of a class, in the lab screen: raise a hand (with an optional line
of text), the instructor's messages and broadcasts (notices, and a view of all of them),
and whether the class server is hearing from this app.

A seat is "in class" when one of the app's LabEvent observers is a ClassReporter (`join`
puts one there). The hand goes up and down as a `help-requested` event the reporter sends;
the instructor's "help answered" comes back as a message that lowers it here too.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from labguide.classroom.message_kinds import HELP_ANSWERED

HEARD_WITHIN = 30.0  # seconds: the server heard from this app lately


def reporter_of(app: Any) -> Any:
    """The app's ClassReporter, or None outside a class."""
    from labguide.classroom.reporter import ClassReporter

    options = getattr(app, "options", None)
    for observer in getattr(options, "observers", ()) or ():
        if isinstance(observer, ClassReporter):
            return observer
    return None


def deliver_messages(screen: Any, reporter: Any) -> None:
    """The reporter's thread hands each message from the class server to `screen` (as a
    ClassMessage: a notice, kept for the messages view), unless something else does."""
    from labguide.tui.messages import ClassMessage

    if reporter.on_message is not None:
        return
    app = screen.app

    def post(message: dict) -> None:
        kind = message.get("kind")
        sender = "Instructor (to everyone)" if message.get("seat") is None else "Instructor"
        data = message.get("data")
        app.call_from_thread(screen.post_message, ClassMessage(
            str(message.get("text") or ""), sender=sender, kind=kind,
            data=data if isinstance(data, dict) else None))

    reporter.on_message = post


def presence(reporter: Any, now: float | None = None) -> Text:
    """For the status line: does the class server hear from this app?"""
    if reporter is None:
        return Text("")
    now = time.monotonic() if now is None else now
    heard = getattr(reporter, "last_ok", None)
    if heard is not None and now - heard <= HEARD_WITHIN and not reporter.failures_in_row:
        return Text("class ✓ seen", style="bold green")
    if heard is None and not reporter.failures_in_row:
        return Text("class … connecting", style="dim")
    return Text("class ⚠ not reaching the server (progress kept, sent when it answers)",
                style="bold yellow")


class HandState:
    """The participant's raised hand, as this app knows it."""

    def __init__(self) -> None:
        self.up = False
        self.text = ""


class MessagesScreen(ModalScreen[None]):
    """Every message of this session from the instructor, oldest first."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("m", "close", "Close")]

    def __init__(self, received: list[tuple[str, str]]) -> None:
        super().__init__(classes="modal")
        self.received = list(received)

    def compose(self) -> ComposeResult:
        body = Text()
        if not self.received:
            body.append("No messages from the instructor yet.", style="dim")
        for n, (sender, text) in enumerate(self.received):
            if n:
                body.append("\n\n")
            body.append(f"{sender}: ", style="bold")
            body.append(text)
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Text("Messages from the class"), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(body, classes="dialog-body", id="messages-body")
            yield Static(Text("Esc closes."), classes="dialog-note")

    def action_close(self) -> None:
        self.dismiss(None)


def raise_hand(screen: Any, hand: HandState) -> None:
    """The raise-hand key: up with an optional line of text, or down again if it is up."""
    from labguide.tui.screens.modals import ConfirmModal, PromptModal

    step = screen.step_id
    if hand.up:
        def lowered(ok: bool | None) -> None:
            if ok:
                hand.up, hand.text = False, ""
                screen.session.emit("help-requested", step, None, on=False, text=None)
                screen.notify("Your hand is down.")

        screen.app.push_screen(ConfirmModal("Lower your hand?",
                                            "The instructor will no longer see a request.",
                                            confirm_label="Lower my hand"), lowered)
        return

    def asked(text: str | None) -> None:
        if text is None:
            return
        hand.up, hand.text = True, text
        screen.session.emit("help-requested", step, None, on=True, text=text or None)
        screen.notify("Your hand is up: the instructor sees it on the class dashboard.",
                      title="Help requested")

    screen.app.push_screen(PromptModal(
        "Ask the instructor for help", "A line about what you are stuck on helps (optional).",
        "What is the problem?", allow_empty=True), asked)


def message_lowers_hand(kind: str | None, hand: HandState) -> bool:
    """The instructor marked the request answered: the hand is down here too."""
    if kind == HELP_ANSWERED and hand.up:
        hand.up, hand.text = False, ""
        return True
    return False
