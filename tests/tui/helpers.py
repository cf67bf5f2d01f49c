"""Helpers for driving the app with Textual's Pilot: wait for conditions and workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

SCENARIO = "compromised-iam-credentials"
SEED = 20260301
EPOCH = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
FROZEN_NOW = datetime(2026, 3, 1, 9, 30, 0, tzinfo=UTC)


def frozen_clock() -> datetime:
    return FROZEN_NOW


async def wait_for_workers(app) -> None:
    """Wait for every worker running now (panes, checks, actions) to end. A pane's poll
    cancelled by a newer one (an exclusive worker: new facts re-poll at once) is not a
    failure: wait for the one that replaced it."""
    from textual.worker import WorkerCancelled

    for _ in range(50):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def wait_until(pilot, predicate: Callable[[], object], what: str,
                     timeout: float = 30.0) -> None:
    """Let the app run until `predicate()` is true; fail naming `what` after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def step_state(app, step_id: str) -> str:
    return app.session.state(step_id)


async def lab_ready(pilot) -> None:
    """Wait for the lab screen with its panes mounted (the scenario loads in a thread)."""
    app = pilot.app
    await wait_until(pilot, lambda: app.screen.id == "lab" and app.screen.panes_ready,
                     "the lab screen")


_SPEC_FIELDS = ("target", "endpoint", "profile", "region", "allow_changes")


def make_app(*, connection=None, loaded=None, **settings):
    """build_app with the AppOptions given as keywords; `target`, `endpoint`, `profile`,
    `region` and `allow_changes` make its TargetSpec (as the command line's do)."""
    from labguide.lab.connection import TargetSpec
    from labguide.lab.options import AppOptions
    from labguide.tui.app import build_app

    spec = {name: settings.pop(name) for name in _SPEC_FIELDS if name in settings}
    if "target" in spec:
        spec["kind"] = spec.pop("target")
    return build_app(AppOptions(target=TargetSpec(**spec), **settings),
                     connection=connection, loaded=loaded)


def frozen_lab_app(tmp_path, connection, *, poll_interval: float = 600,
                   check_interval: float = 600):
    """The app on the scenario, on an account given as `connection` (e.g. the frozen_sim
    fixture), with the tests' seed, epoch and frozen clock."""
    return make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", seed=SEED, epoch=EPOCH,
                    clock=frozen_clock, poll_interval=poll_interval,
                    check_interval=check_interval, connection=connection)


async def iam_alert_email(pilot, app) -> dict[str, str]:
    """The lines of the alerts pane's e-mail about the IAM principal
    (UnauthorizedAccess:IAMUser/…), once the pane has read the findings."""
    from labguide.tui.panes.alerts import AlertsPane, email_lines

    alerts = app.screen.query_one(AlertsPane)
    await wait_until(pilot, lambda: alerts.last_data, "alerts")
    return dict(next(email_lines(f) for f in alerts.last_data
                     if f["Type"].startswith("UnauthorizedAccess:IAMUser")))
