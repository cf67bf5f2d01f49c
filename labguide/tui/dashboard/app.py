"""`labguide class watch`: the instructor's dashboard over the class API.

Built from one `DashboardOptions`. The app owns the class client; screens poll it in
exclusive worker threads, one request per refresh, the next scheduled when the last has
ended (never overlapping), and only the screen on top polls. Actions are confirmed with
their command line shown, then run in a worker; their answer is a plain-text notice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from labguide.classroom.client import ClassApiError, ClassClient, ClassUnreachable
from labguide.tui.dashboard.actions import Request
from labguide.tui.dashboard.model import IDLE_AFTER, STUCK_AFTER

log = logging.getLogger(__name__)

TUI = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DashboardOptions:
    """Everything the dashboard is built from (the command line, or a test)."""

    url: str
    token: str | None
    token_file: str | None = None  # shown in the command lines; never the token itself
    interval: float = 2.0  # seconds between the end of one refresh and the next request
    idle_after: timedelta = IDLE_AFTER
    stuck_after: timedelta = STUCK_AFTER  # the least time on a step that can be "stuck"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    export_dir: Path = field(default_factory=Path.cwd)


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, ClassApiError | ClassUnreachable):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class DashboardApp(App):
    CSS_PATH = [TUI / "app.tcss", TUI / "dashboard" / "dashboard.tcss"]
    TITLE = "labguide class"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit"), Binding("question_mark", "help", "Help")]

    class ActionDone(Message):
        def __init__(self, request: Request, answer: Any, error: str | None) -> None:
            super().__init__()
            self.request, self.answer, self.error = request, answer, error

    def __init__(self, options: DashboardOptions, *, client: ClassClient | None = None) -> None:
        super().__init__()
        self.options = options
        self.client = client or ClassClient(options.url, options.token)
        self.actions_done: list[tuple[Request, str | None]] = []  # what ran, for the tests
        self.actions_refused: list[str] = []  # asked, but not put to the instructor: why

    poll_interval = 5.0  # a seat's live panes (each read is a request to the class server)

    def now(self) -> datetime:
        return self.options.clock()

    def on_action_requested(self, message: Any) -> None:
        """A pane's action (labguide.tui.messages.ActionRequested, bubbled up): the seat's
        panes are read-only here: the instructor acts through the seat's actions (solve,
        reset…), each confirmed with its command line."""
        message.stop()
        action = message.request.action
        self.notify(f"Not done: {action.describe()}. The seat's panes are read-only here; "
                    "use the seat's actions (v solve, r reset step, m message).",
                    severity="warning")

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Plain text always: notices carry command lines and the server's words."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        from labguide.tui.dashboard.board import BoardScreen

        self.push_screen(BoardScreen())

    def on_unmount(self) -> None:
        self.client.close()

    def _handle_exception(self, error: Exception) -> None:
        """A bug must not end the instructor's view of the class: log it, say so, go on."""
        from labguide.progress import log_path
        from labguide.tui.screens.modals import ErrorModal

        log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
        if isinstance(self.screen, ErrorModal):
            return
        try:
            self.push_screen(ErrorModal(f"{type(error).__name__}: {error}", str(log_path())))
        except Exception:
            super()._handle_exception(error)

    def action_help(self) -> None:
        from labguide.tui.dashboard.board import DashboardHelp

        if not isinstance(self.screen, DashboardHelp):
            self.push_screen(DashboardHelp())

    # ----- actions --------------------------------------------------------------------------

    def cli(self, request: Request) -> str:
        return request.cli(self.options.url, self.options.token_file)

    def ask(self, request: Request) -> None:
        """Confirm `request` (asking for its line of text first when it takes one), then run."""
        from labguide.tui.screens.modals import ConfirmModal, PromptModal

        action = request.action
        if action.needs_step and request.seat is not None and not request.fresh:
            self.read_current_step(request)  # then ask again, with the step read now
            return
        if action.needs_step and not request.step:
            self.notify(f"{request.who} has no current step: nothing to {action.label.lower()}.",
                        severity="warning")
            return
        if action.needs_text and request.text is None:
            def got_text(text: str | None) -> None:
                if text:
                    self.ask(replace(request, text=text))

            self.push_screen(PromptModal(action.label, f"To {request.who}.", action.needs_text,
                                         empty_message="Type a message first."), got_text)
            return
        body = (f"{request.describe()}\n\nCommand line:\n  {self.cli(request)}\n\n"
                f"Enter cancels (Cancel has the focus). To go ahead: Tab to "
                f"“{action.label}”, then Enter; or click it.")

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.run_request(request)
            else:
                self.notify("Cancelled: nothing was sent.")

        self.push_screen(ConfirmModal(f"{action.label}: {request.who}?", body,
                                      confirm_label=action.label), confirmed)

    class StepRead(Message):
        def __init__(self, request: Request, error: str | None) -> None:
            super().__init__()
            self.request, self.error = request, error

    @work(thread=True, group="actions", exit_on_error=False)
    def read_current_step(self, request: Request) -> None:
        """The seat's current step from the server now: a step action must not act on the
        step a screen showed seconds ago (the participant may have moved on since)."""
        try:
            current = self.client.seat(int(request.seat or 0)).get("current_step")
            fresh = replace(request, step=current if isinstance(current, str) else None,
                            shown_step=request.step, fresh=True)
            self.post_message(self.StepRead(fresh, None))
        except Exception as exc:
            self.post_message(self.StepRead(request, describe_failure(exc)))

    def on_dashboard_app_step_read(self, message: StepRead) -> None:
        request = message.request
        if message.error:
            said = f"Could not read {request.who}'s current step: {message.error}. " \
                "Nothing was sent."
            self.actions_refused.append(said)
            self.notify(said, severity="error", timeout=10)
            return
        self.ask(request)

    @work(thread=True, group="actions", exit_on_error=False)
    def run_request(self, request: Request) -> None:
        try:
            answer, error = request.run(self.client), None
        except Exception as exc:  # the server's refusal or absence: shown, never raised
            answer, error = None, describe_failure(exc)
            log.warning("%s failed: %s", request.describe(), error)
        self.post_message(self.ActionDone(request, answer, error))

    def on_dashboard_app_action_done(self, message: ActionDone) -> None:
        request = message.request
        self.actions_done.append((request, message.error))
        if message.error:
            self.notify(message.error, title=f"{request.action.label} failed: {request.who}",
                        severity="error", timeout=10)
        else:
            self.notify(f"$ {self.cli(request)}", title=f"Done: {request.action.label}, "
                        f"{request.who}", timeout=8)
        refresh = getattr(self.screen, "refresh_now", None)
        if refresh is not None:
            refresh()

    def ask_export(self) -> None:
        from labguide.tui.dashboard.actions import export_cli
        from labguide.tui.screens.modals import PromptModal

        stamp = self.now().strftime("%Y%m%d-%H%M")
        default = str(self.options.export_dir / f"class-{stamp}.csv")
        body = ("Write the class export (one row per seat and step) to a file: .csv or .json.\n\n"
                "Command line:\n  " + export_cli(self.options.url, self.options.token_file,
                                                 "csv", default))

        def got_path(path: str | None) -> None:
            if path:
                self.export_worker(Path(path).expanduser())

        self.push_screen(PromptModal("Export the class", body, "File",
                                     default=default, empty_message="Name a file."), got_path)

    class ExportDone(Message):
        def __init__(self, path: Path, size: int, error: str | None) -> None:
            super().__init__()
            self.path, self.size, self.error = path, size, error

    @work(thread=True, group="actions", exit_on_error=False)
    def export_worker(self, path: Path) -> None:
        fmt = "json" if path.suffix.lower() == ".json" else "csv"
        try:
            data = self.client.export(fmt)
            tmp = path.with_name(f".{path.name}.part")
            tmp.write_bytes(data)
            tmp.replace(path)
            self.post_message(self.ExportDone(path, len(data), None))
        except Exception as exc:
            self.post_message(self.ExportDone(path, 0, describe_failure(exc)))

    def on_dashboard_app_export_done(self, message: ExportDone) -> None:
        if message.error:
            self.notify(message.error, title="Export failed", severity="error", timeout=10)
        else:
            self.notify(f"{message.path} ({message.size} bytes)", title="Exported", timeout=8)
