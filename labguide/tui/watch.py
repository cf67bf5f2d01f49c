"""`labguide run PATH --watch`: reload the scenario when its file or its content changes.

The file and its content folder are polled (their sizes and modification times) every
second. A change is loaded and validated on a worker thread; a scenario that validates
replaces the lab screen with the same account (the simulator keeps running; an edited
`world` applies on the next `--reset`), the same progress and the same step; one that
does not stays shown as it was, and its problems are shown in place, as `labguide
validate` prints them, until the next save.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
MAX_SHOWN_PROBLEMS = 8


def fingerprint(path: Path, scenario_id: str | None) -> tuple:
    """What changes when the scenario or its content is saved (missing files count too)."""
    from labguide.scenario.content import content_dir_for

    entries: list[tuple] = []
    candidates = [path]
    if scenario_id:
        folder = content_dir_for(path, scenario_id)
        if folder.is_dir():
            candidates += sorted(p for p in folder.rglob("*") if p.is_file())
    for candidate in candidates:
        try:
            stat = os.stat(candidate)
            entries.append((str(candidate), stat.st_size, stat.st_mtime_ns))
        except OSError:
            entries.append((str(candidate), None, None))
    return tuple(entries)


class ScenarioWatcher:
    """Polls one scenario file for the app; `start()` once the app runs."""

    def __init__(self, app: Any, path: str | os.PathLike[str]):
        self.app = app
        self.path = Path(path)
        self.scenario_id: str | None = None
        self._seen: tuple | None = None
        self._loading = False
        self.reloads = 0
        self.last_error: str | None = None

    def start(self) -> None:
        session = getattr(self.app, "session", None)
        self.scenario_id = session.scenario.id if session is not None else None
        self._seen = fingerprint(self.path, self.scenario_id)
        self.app.set_interval(POLL_SECONDS, self.poll, name="scenario-watch")

    def poll(self) -> None:
        if self._loading:
            return
        if self.scenario_id is None and getattr(self.app, "session", None) is not None:
            self.scenario_id = self.app.session.scenario.id
            self._seen = fingerprint(self.path, self.scenario_id)
            return
        now = fingerprint(self.path, self.scenario_id)
        if now == self._seen:
            return
        self._seen = now
        self._loading = True
        _load(self.app, self, self.path)

    def finished(self, loaded: Any, error: str | None) -> None:
        self._loading = False
        if error is not None:
            self.last_error = error
            lines = error.splitlines()
            shown = "\n".join(lines[:MAX_SHOWN_PROBLEMS])
            more = (f"\n… and {len(lines) - MAX_SHOWN_PROBLEMS} more"
                    if len(lines) > MAX_SHOWN_PROBLEMS else "")
            self.app.notify(f"{shown}{more}\nStill showing the last version that validated.",
                            title=f"{self.path.name} has problems", severity="error",
                            timeout=30)
            return
        self.last_error = None
        if loaded.scenario.id != self.scenario_id:
            self.app.notify(f"The scenario's id changed to {loaded.scenario.id!r}: restart "
                            "labguide to open it as a new scenario.", severity="warning")
            return
        self.app.call_later(self._replace, loaded)

    async def _replace(self, loaded: Any) -> None:
        await replace_lab(self.app, loaded)
        self.reloads += 1
        self._seen = fingerprint(self.path, self.scenario_id)  # content files may be new
        self.app.notify(f"Reloaded {self.path.name}.", timeout=3)


def _load(app: Any, watcher: ScenarioWatcher, path: Path) -> None:
    """Load on a thread; the result comes back on the app's thread."""
    from labguide.scenario import load_scenario

    def load() -> None:
        try:
            loaded, error = load_scenario(path), None
        except Exception as exc:  # noqa: BLE001 - every problem is shown, none raised
            lines = getattr(exc, "lines", None)
            loaded, error = None, "\n".join(lines) if lines else str(exc)
        app.call_from_thread(watcher.finished, loaded, error)

    app.run_worker(load, thread=True, group="scenario-watch", exit_on_error=False)


async def replace_lab(app: Any, loaded: Any) -> None:
    """The lab screen again, on the new scenario: same account, progress and step."""
    from labguide.lab.session import LabSession
    from labguide.tui.screens.lab import LabScreen

    old = app.session
    screens = [s for s in app.screen_stack if isinstance(s, LabScreen)]
    step_id = screens[-1].step_id if screens else None
    session = LabSession(loaded, old.connection, old.store, old.progress)
    session.visited = set(old.visited)  # the steps seen stay seen (in progress, not "not started")
    for observer in app.options.observers:
        session.events.subscribe(observer)
    if step_id in loaded.scenario.step_ids:
        session.set_current(step_id)
    app.session = session
    old.close()
    # The old screen (and any dialog over it, which belonged to the old scenario) goes.
    while screens and len(app.screen_stack) > 1 and any(
            isinstance(s, LabScreen) for s in app.screen_stack):
        await app.pop_screen()
    await app.push_screen(LabScreen(session))
