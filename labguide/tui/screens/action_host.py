"""A screen that runs what its widgets ask for (ActionRequested): the guard's decision,
a confirmation dialog when it asks for one, the action on a worker, and the answer to the
requester. The lab screen is one; a new screen with panes mixes it in the same way."""

from __future__ import annotations

import logging
from typing import Any

from textual import work
from textual.worker import get_current_worker

from labguide.lab.guard import CONFIRM, REFUSE, decide, perform
from labguide.tui.describe import describe_error
from labguide.tui.messages import ActionFinished, ActionRequested

log = logging.getLogger(__name__)


TOAST_WIDTH = 72


def toast_title(text: str) -> str:
    """An action's description as a toast's title: one line, cut at TOAST_WIDTH (a shell
    command's description holds the whole command: an 8-line toast over its output)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= TOAST_WIDTH and "\n" not in text.strip() else \
        f"{first[:TOAST_WIDTH - 2].rstrip()} …"


def toast_line(cli: str) -> str:
    """A done action's command, one line at most: the whole one stays in the pane's status
    line (8-12-line toasts covered the shell's output)."""
    first = cli.strip().splitlines()[0] if cli.strip() else ""
    cut = len(first) > TOAST_WIDTH or "\n" in cli.strip()
    return f"$ {first[:TOAST_WIDTH]}" + (" …" if cut else "")


class ActionHost:
    """Mixed into a Screen with a `session` (labguide.lab.session.LabSession)."""

    session: Any

    # Handlers by name, not @on: Textual collects @on handlers from MessagePump classes
    # only, and this is a mixin.
    def on_action_requested(self, message: ActionRequested) -> None:
        from labguide.tui.screens.modals import ConfirmModal

        message.stop()
        requester, request = message.requester, message.request
        decision = decide(request, self.session.connection)
        if decision.outcome == REFUSE:
            if decision.title == "Read-only account":
                requester.action_failed(request.action, "refused: this account is read-only")
            self.notify(decision.message, title=decision.title, severity="error", timeout=12)
            return
        if decision.outcome == CONFIRM:
            modal = ConfirmModal(decision.title, decision.message,
                                 confirm_label=decision.confirm_label,
                                 acknowledge=decision.acknowledge)

            def confirmed(ok: bool | None) -> None:
                if ok:
                    self._action_worker(requester, request.action, message.on_done)
                else:
                    self.notify("Cancelled: nothing was changed.")

            self.app.push_screen(modal, confirmed)
            return
        self._action_worker(requester, request.action, message.on_done)

    @work(thread=True, group="actions", exit_on_error=False)
    def _action_worker(self, requester: Any, action: Any, on_done: Any) -> None:
        target = self.session.target
        try:
            action, result = perform(action, target)
        except Exception as exc:  # shown on the requester
            log.warning("action %s failed: %s", action.describe(), describe_error(exc))
            finished = ActionFinished(requester, action, None, describe_error(exc), on_done)
        else:
            finished = ActionFinished(requester, action, result, None, on_done)
        if not get_current_worker().is_cancelled:  # the screen is gone: nobody to tell
            self.post_message(finished)

    def on_action_finished(self, message: ActionFinished) -> None:
        message.stop()
        action = message.action
        if message.error:
            message.requester.action_failed(action, message.error)
            self.notify(message.error, title=f"{toast_title(action.describe())} failed",
                        severity="error", timeout=10)
        else:
            message.requester.action_succeeded(action, message.result)
            # Its output opens, or its requester shows it (the shell pane): no toast over it.
            if not (getattr(action, "shows_output", False) or
                    getattr(message.requester, "shows_output", False)):
                self.notify(toast_line(action.cli), title=f"Done: {toast_title(action.describe())}",
                            timeout=8)
            if message.on_done is not None and message.result is not None:
                message.on_done(message.result)
        self.after_action(message.requester)

    def after_action(self, requester: Any) -> None:
        """After any action: the screen re-reads what it changed (override)."""
