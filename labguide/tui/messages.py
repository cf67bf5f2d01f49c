"""The typed messages widgets send up to their screen. A pane (or the step's text) never
reaches into the app for an account change: it posts ActionRequested, which bubbles to
the screen; the screen runs it through labguide.lab.guard and answers the requester with
`action_succeeded` / `action_failed` (the ActionRequester protocol)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from textual.message import Message

from labguide.lab.guard import ActionRequest


class ActionRequester(Protocol):
    def action_succeeded(self, action: Any, result: Any) -> None: ...

    def action_failed(self, action: Any, error: str) -> None: ...


class ActionRequested(Message):
    """Run `request` for `requester`; `on_done(result)` after it succeeded."""

    def __init__(self, requester: ActionRequester, request: ActionRequest,
                 on_done: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.requester, self.request, self.on_done = requester, request, on_done


class ActionFinished(Message):
    """An action ended (from the worker that ran it); `error` None means it succeeded."""

    def __init__(self, requester: ActionRequester, action: Any, result: Any,
                 error: str | None, on_done: Callable[[Any], None] | None) -> None:
        super().__init__()
        self.requester, self.action, self.result = requester, action, result
        self.error, self.on_done = error, on_done


class ClassMessage(Message):
    """A message from the class's instructor (or any notice from outside the lab), for
    the screen to show. Thread-safe to send: `app.call_from_thread(screen.post_message,
    ClassMessage(text))`, or `screen.post_message` from the app's thread."""

    def __init__(self, text: str, *, sender: str = "Instructor", kind: str | None = None,
                 data: dict | None = None) -> None:
        super().__init__()
        self.text, self.sender = text, sender
        self.kind = kind  # the class server's message kind (labguide.classroom.message_kinds)
        self.data = data or {}  # what the app acts on (a solved step's model answers)
