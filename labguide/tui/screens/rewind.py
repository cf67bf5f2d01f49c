"""Rewind from the lab screen (R): restart this step, or go back to another step's start.

A dialog lists the steps the account can go back to (labguide.lab.rewind.choices), the
current one first; a confirmation says what is undone; the world is rebuilt on a worker
while the account's requests wait; then the step opens again and every pane and check
reads the account as it now is. Absent (with its reason) where it cannot work.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from labguide.lab import rewind
from labguide.tui.describe import describe_error


def step_label(session: Any, step_id: str) -> str:
    number = session.scenario.step_ids.index(step_id) + 1
    return f"step {number} ({session.scenario.step(step_id).title})"


class RewindScreen(ModalScreen[str | None]):
    """Which step's start to go back to; Enter picks, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, session: Any, current: str, step_ids: list[str]) -> None:
        super().__init__(classes="modal")
        self.session, self.current, self.step_ids = session, current, step_ids

    def compose(self) -> ComposeResult:
        # This step first, then the others from the nearest earlier one back.
        ids = self.session.scenario.step_ids
        here = ids.index(self.current)
        ordered = [s for s in self.step_ids if s == self.current] + sorted(
            (s for s in self.step_ids if s != self.current),
            key=lambda s: (ids.index(s) > here, -ids.index(s) if ids.index(s) < here
                           else ids.index(s)))
        options = []
        for step_id in ordered:
            label = step_label(self.session, step_id)
            text = (f"Restart this step: {label}" if step_id == self.current
                    else f"Go back to the start of {label}")
            options.append(Option(Text(text), id=step_id))
        with Vertical(classes="dialog", id="rewind"):
            yield Label("Rewind the simulated account", classes="dialog-title")
            yield OptionList(*options, id="rewind-choices")
            yield Static(Text("Enter picks (you confirm next) · Esc cancels. Only steps "
                              "opened on this account are listed."), classes="dialog-note")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_rewind(screen: Any, step_id: str | None = None) -> None:
    """R (or the palette): choose a step (unless given), confirm, rewind."""
    session = screen.session
    reason = rewind.unavailable(session.connection)
    if reason is not None:
        screen.notify(f"Rewind is not available {reason}.", title="Rewind", timeout=10)
        return
    step_ids = rewind.choices(session)
    if step_id is not None or step_ids == [screen.step_id]:
        step_id = step_id or screen.step_id
        if step_id not in step_ids:
            screen.notify(f"{step_label(session, step_id).capitalize()} has no saved start "
                          "on this account: open it first.", title="Rewind", timeout=8)
            return
        confirm_rewind(screen, step_id)
        return
    if not step_ids:
        screen.notify("No step has a saved start on this account yet.", title="Rewind")
        return

    def chosen(choice: str | None) -> None:
        if choice:
            confirm_rewind(screen, choice)

    screen.app.push_screen(RewindScreen(session, screen.step_id, step_ids), chosen)


def confirm_body(session: Any, step_id: str) -> str:
    ids = session.scenario.step_ids
    later = ids[ids.index(step_id):]
    last = len(ids)  # the steps from this one on
    first = ids.index(step_id) + 1
    steps = f"step {first}" if first == last else f"steps {first}-{last}"
    return (f"The simulated account is rebuilt as it was when you first opened "
            f"{step_label(session, step_id)}: everything you changed in it since then is "
            f"undone. The clock does not go back: the attacker's calls since then stay in "
            f"the logs.\n\nYour answers are kept; {steps} "
            f"{'is' if len(later) == 1 else 'are'} checked again.")


def confirm_rewind(screen: Any, step_id: str) -> None:
    from labguide.tui.screens.modals import ConfirmModal

    session = screen.session
    restart = step_id == screen.step_id
    title = (f"Restart {step_label(session, step_id)}?" if restart
             else f"Go back to the start of {step_label(session, step_id)}?")

    def answered(ok: bool | None) -> None:
        if ok:
            run_rewind(screen, step_id)
        else:
            screen.notify("Cancelled: nothing was changed.")

    screen.app.push_screen(ConfirmModal(title, confirm_body(session, step_id),
                                        confirm_label="Rewind"), answered)


def run_rewind(screen: Any, step_id: str) -> None:
    """Rebuild the account on a worker; then reopen the step on the app's thread."""
    session, app = screen.session, screen.app
    screen.notify(f"Rebuilding the account at the start of {step_label(session, step_id)}…",
                  timeout=4)

    def work() -> None:
        try:
            replayed = rewind.rewind_account(session, step_id)
        except Exception as exc:  # shown; the account is as it was (embedded.rewind)
            app.call_from_thread(screen.notify, f"Rewind failed: {describe_error(exc)}",
                                 title="Rewind", severity="error", timeout=12)
            return
        app.call_from_thread(rewound, screen, step_id, replayed)

    screen.run_worker(work, thread=True, group="rewind", exclusive=True, exit_on_error=False)


def rewound(screen: Any, step_id: str, replayed: int) -> None:
    """The account is back at the step's start: forget what passed since, show it all
    again (the step's text, questions, checks and every pane), check now."""
    from labguide.tui.panes.base import Pane
    from labguide.tui.widgets.steplist import StepList
    from labguide.tui.widgets.stepview import StepView

    done = rewind.forget_later(screen.session, step_id, replayed)
    screen.query_one(StepView).step_id = None  # its questions show their answers afresh
    screen.open_step(step_id)
    screen._finish_shown = screen.session.all_done()  # finishing again shows the end again
    screen.query_one(StepList).refresh_states()
    if screen.panes_ready:
        for pane in screen.query(Pane):
            pane.poll_now()
    kept = f"{replayed} of your earlier change{'s' if replayed != 1 else ''} replayed"
    again = len(done.forgotten)
    screen.notify(f"Back at the start of {step_label(screen.session, step_id)}: {kept}; "
                  f"{again} step{'s' if again != 1 else ''} checked again.",
                  title="Rewound", timeout=8)
