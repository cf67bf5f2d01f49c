"""The labguide Textual app, built by `build_app`.

The app is built from one AppOptions (labguide.lab.options). It owns the progress
store, the connection to the account and the lab session; screens ask it to open a
scenario, and run their panes' actions themselves (labguide.tui.screens.action_host). An
unexpected error never reaches the screen as a traceback: it is logged (secrets
masked) and shown in a dialog while the app keeps running.
"""

from __future__ import annotations

import logging
import threading
import traceback
from datetime import UTC, datetime
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from labguide.lab.connection import Connection
from labguide.lab.options import AppOptions
from labguide.progress import ProgressStore, journal_path, log_path, progress_db_path
from labguide.textsafe import visible
from labguide.tui.commands import LabCommands

log = logging.getLogger(__name__)


class LabGuideApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "labguide"
    COMMANDS = App.COMMANDS | {LabCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("y", "copy", "Copy", show=False),
        Binding("ctrl+q", "quit", "Quit"),
        Binding("ctrl+o", "open_picker", "Scenarios", show=False),
        Binding("ctrl+e", "shell_env", "Use this account from a shell", show=False),
    ]

    def __init__(self, options: AppOptions, *, connection: Connection | None = None,
                 loaded: Any = None) -> None:
        """`connection`: an account reached already (the CLI reaches --endpoint and --aws
        before the screen opens); `loaded`: the scenario, loaded already."""
        super().__init__()
        self.options = options
        self.realtime = options.realtime
        self.preloaded = loaded
        self.scenario_ref = options.scenario
        self.spec = options.target
        self.store = ProgressStore(options.store_path or progress_db_path())
        self.reset = options.reset
        self.seed, self.epoch = options.seed, options.epoch
        self.clock = options.clock or (lambda: datetime.now(UTC))
        self.poll_interval = options.poll_every
        self.check_interval = options.check_every
        self.preconnected = connection
        self.connection: Connection | None = None
        self.session: Any = None
        # A scenario file to reload when it changes (labguide run PATH --watch).
        self.watch_path: str | None = options.scenario if options.watch else None
        self.watcher: Any = None
        self.unexpected_errors: list[str] = []
        self._start_after_lab_paint: Any = None  # starts the simulator once the lab is drawn
        self.startup_error: str | None = None  # a scenario given at start that cannot load

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification is plain text: they carry CLI lines (`["ASIA…"]`), AWS values
        and error messages, which Textual would read as markup; a MarkupError while the
        toast is drawn broke the screen's message loop and froze the app."""
        super().notify(visible(message), title=visible(title, lines=False), severity=severity,
                       timeout=timeout, markup=False)  # control characters made visible

    def _saving_stopped(self, reason: str) -> None:
        """The progress file cannot be written any more: say so, and keep the lab going."""
        message = (f"Saving your progress stopped: {reason}. The lab keeps working; what you "
                   "do from now on is not saved.")
        if self._thread_id == threading.get_ident():
            self.notify(message, title="Progress not saved", severity="warning", timeout=30)
        else:
            self.call_from_thread(self.notify, message, title="Progress not saved",
                                  severity="warning", timeout=30)

    # ----- time -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def format_time(self, moment: datetime) -> str:
        from labguide.awstime import to_utc  # naive means UTC, as everywhere in AWS

        return to_utc(moment).strftime("%H:%M:%S UTC")

    # ----- start ------------------------------------------------------------------------

    class ScenarioLoaded(Message):
        def __init__(self, ref: str, loaded: Any, error: str | None) -> None:
            super().__init__()
            self.ref, self.loaded, self.error = ref, loaded, error

    def on_mount(self) -> None:
        if self.watch_path is not None:  # labguide run PATH --watch
            from labguide.tui.watch import ScenarioWatcher

            self.watcher = ScenarioWatcher(self, self.watch_path)
            self.call_after_refresh(self.watcher.start)
        if self.scenario_ref and self.preloaded is None:
            self.preloaded = self._cached(self.scenario_ref)
        if self.scenario_ref and self.preloaded is None:
            # Draw at once; read and validate the scenario in a thread meanwhile.
            from labguide.tui.screens.loading import LoadingScreen

            self.push_screen(LoadingScreen(self.scenario_ref))
            # After that frame: the loading thread holds the GIL for a while (pydantic,
            # YAML) and would delay it.
            self.call_after_refresh(self._load_worker, self.scenario_ref)
        elif self.scenario_ref:
            self.open_scenario(self.scenario_ref, from_picker=False)
        else:
            self.action_open_picker()

    def on_ready(self) -> None:
        """The first frame is drawn: garbage collection again (labguide.sim.heap)."""
        from labguide.sim.heap import end_start_hold

        end_start_hold()

    @staticmethod
    def _cached(ref: str) -> Any:
        """The scenario as validated at an earlier launch, if nothing changed since (a few
        ms: the lab screen is then the first frame); None means load it."""
        from labguide.progress import cache_dir
        from labguide.scenario.bundled import scenario_path
        from labguide.scenario.cache import cached_scenario

        try:
            return cached_scenario(scenario_path(ref), cache_dir())
        except Exception:  # noqa: BLE001 - any doubt: the full load says what is wrong
            return None

    @staticmethod
    def _load(ref: str) -> Any:
        from labguide.progress import cache_dir
        from labguide.scenario import load_scenario_cached

        return load_scenario_cached(ref, cache_dir())

    @work(thread=True, group="load", exit_on_error=False)
    def _load_worker(self, ref: str) -> None:
        try:
            loaded, error = self._load(ref), None
        except Exception as exc:  # a bad file: exit 2 with its lines (run_app prints them)
            lines = getattr(exc, "lines", None)
            loaded, error = None, "\n".join(lines) if lines else str(exc)
        if not get_current_worker().is_cancelled:
            self.post_message(self.ScenarioLoaded(ref, loaded, error))

    def on_lab_guide_app_scenario_loaded(self, message: ScenarioLoaded) -> None:
        if message.error is not None:
            log.warning("cannot open scenario %s: %s", message.ref, message.error)
            self.startup_error = message.error
            self.exit(return_code=2)
            return
        self.preloaded = message.loaded
        self.pop_screen()
        self.open_scenario(message.ref, from_picker=False)

    def picker_entries(self) -> list[dict[str, Any]]:
        from labguide.scenario import bundled_scenario_paths

        account = self._progress_account_for_listing()
        sessions = self.store.sessions(account) if account else {}
        entries = []
        for path in bundled_scenario_paths():
            loaded = self._load(path)
            scenario = loaded.scenario
            progress = sessions.get(scenario.id)
            done = sum(1 for s in scenario.step_ids if progress and s in progress.steps_done)
            total = len(scenario.steps)
            if progress is None:
                state = "not started"
            elif done == total:
                state = f"✓ done ({done}/{total})"
            else:
                state = f"{done}/{total} done"
            entries.append({"id": scenario.id, "title": scenario.title,
                            "summary": scenario.summary, "steps": total, "progress": state})
        return entries

    def _progress_account_for_listing(self) -> str | None:
        if self.spec.kind == "sim":
            from labguide.lab.connection import SIM_ACCOUNT_KEY

            return SIM_ACCOUNT_KEY
        if self.preconnected is not None and self.preconnected.ready:
            return self.preconnected.progress_account()
        return None

    def action_open_picker(self) -> None:
        from labguide.tui.screens.picker import PickerScreen

        try:
            entries = self.picker_entries()
            error = None
        except Exception as exc:
            log.exception("listing scenarios failed")
            entries, error = [], f"The bundled scenarios could not be listed: {exc}"
        self.push_screen(PickerScreen(entries, error))

    def open_scenario(self, ref: str, *, from_picker: bool = True) -> None:
        """Load a scenario and open its lab screen; a bad file is shown, never raised."""
        from labguide.lab.session import LabSession
        from labguide.tui.screens.lab import LabScreen

        try:
            if self.preloaded is not None and ref == self.scenario_ref:
                loaded = self.preloaded
            else:
                loaded = self._load(ref)
        except Exception as exc:
            message = getattr(exc, "lines", None)
            text = "\n".join(message) if message else str(exc)
            log.warning("cannot open scenario %s: %s", ref, text)
            self._show_load_error(text)
            return
        scenario = loaded.scenario
        if self.connection is not None and self.connection is not self.preconnected:
            self.connection.close()
        connection = self.preconnected or Connection(self.spec, scenario.region)
        self.connection = connection
        progress = self.store.open_session(
            scenario.id, connection.progress_account(), seed=self.seed, epoch=self.epoch,
            reset=self.reset,
        )
        self.reset = False  # --reset applies to the first scenario opened only
        if connection.is_simulator and not connection.ready and connection.embedded is None:
            self._start_simulator_after_first_frame(connection, loaded, progress)
        self.session = LabSession(loaded, connection, self.store, progress)
        self.session.save_failed_listeners.append(self._saving_stopped)
        for observer in self.options.observers:
            self.session.events.subscribe(observer)
        screen = LabScreen(self.session, on_first_paint=self._start_after_lab_paint)
        self._start_after_lab_paint = None
        if from_picker:
            self.switch_screen(screen) if self.screen_stack[-1].id == "picker" and \
                len(self.screen_stack) > 1 else self.push_screen(screen)
        else:
            self.push_screen(screen)

    def _show_load_error(self, text: str) -> None:
        from labguide.tui.screens.picker import PickerScreen

        if isinstance(self.screen, PickerScreen):
            self.screen.show_error(text)
            return
        try:
            entries = self.picker_entries()
        except Exception:
            entries = []
        self.push_screen(PickerScreen(entries, text))

    def _start_simulator_after_first_frame(self, connection: Connection, loaded: Any,
                                           progress: Any) -> None:
        scenario = loaded.scenario
        journal = journal_path(scenario.id, connection.progress_account())
        if self._fresh_session(progress):
            journal.unlink(missing_ok=True)

        def start() -> None:
            connection.start_simulator(
                scenario.world.source, dict(scenario.world.params), seed=progress.seed,
                # None: the simulator dates a new world so its story ends now, and a
                # resumed world takes its epoch from the journal (progress.epoch is
                # only the session's start, never the world's clock).
                epoch=self.epoch, journal=journal, realtime=self.realtime,
            )

        self._start_after_lab_paint = start

    def _fresh_session(self, progress: Any) -> bool:
        """A session that has just been (re)started has no current step yet."""
        return progress.current_step is None

    # ----- keys -------------------------------------------------------------------------

    def action_help(self) -> None:
        from labguide.tui.screens.help import HelpScreen, help_notes

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_notes(self.screen)))

    def action_copy(self) -> None:
        self.notify("Select a row in a pane first; y copies its key id or ARN.")

    def action_shell_env(self) -> None:
        from labguide.tui.screens.shell_env import open_shell_env

        open_shell_env(self)

    # ----- errors -----------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error: log it (masked), show a dialog, keep running."""
        summary = "".join(traceback.format_exception_only(type(error), error)).strip()
        self.unexpected_errors.append(summary)
        log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
        from labguide.tui.screens.modals import ErrorModal

        if isinstance(self.screen, ErrorModal):
            return
        try:
            self.push_screen(ErrorModal(summary, str(log_path())))
        except Exception:  # the app is too broken to show a dialog: exit cleanly instead
            super()._handle_exception(error)

    def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()
        if self.connection is not None and self.connection is not self.preconnected:
            self.connection.close()


def build_app(options: AppOptions | None = None, *, connection: Connection | None = None,
              loaded: Any = None) -> LabGuideApp:
    """The app for one command line (or one test): `options.scenario` None opens the picker."""
    # The simulator's HTTP server must never write to the terminal the app draws on.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return LabGuideApp(options or AppOptions(), connection=connection, loaded=loaded)
