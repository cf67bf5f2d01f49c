"""Snapshots of every screen a learner sees, on a frozen simulated account (fixed seed,
epoch and clock, so ids, keys and times are the same every run)."""

from __future__ import annotations

import pytest

from labguide.lab.connection import Connection, TargetSpec
from labguide.scenario import load_scenario
from labguide.target import Credentials, Target
from labguide.tui.panes.base import Pane
from labguide.tui.widgets.stepview import StepView
from tests.tui.helpers import (
    SCENARIO,
    frozen_clock,
    frozen_lab_app,
    lab_ready,
    make_app,
    wait_for_workers,
    wait_until,
)

SIZE = (100, 32)  # short: text and panes take turns (t / Esc)
STACKED = (120, 40)  # text above the panes
SMALL = (80, 24)
STEPS = load_scenario(SCENARIO).scenario.step_ids


def lab_app(tmp_path, connection):
    return frozen_lab_app(tmp_path, connection)


async def settle(pilot) -> None:
    """Shown panes loaded, checks run, workers done, notifications gone."""
    app = pilot.app
    await wait_until(pilot, lambda: app.session is not None and app.session.last_refresh or
                     getattr(app.screen, "check_error", None), "a check round")
    await lab_ready(pilot)
    await wait_until(pilot, lambda: app.screen.query_one(StepView).drawn, "the step's text")
    # Only the panes on screen poll (and so load).
    await wait_until(pilot, lambda: all(p.loaded or p.has_class("error")
                                        for p in app.screen.query(Pane) if p.showing),
                     "panes", timeout=10)
    quiet = 0
    while quiet < 3:  # workers may start more work (a round's new facts re-poll panes)
        await wait_for_workers(app)
        await pilot.pause()
        quiet = quiet + 1 if not [w for w in app.workers if not w.is_finished] else 0
    app.clear_notifications()
    await pilot.pause()


async def steady(pilot, probe) -> None:
    """Wait until `probe()` gives the same value three refreshes running."""
    seen: list = []
    while len(seen) < 3 or len(set(seen[-3:])) > 1:
        assert len(seen) < 100, seen[-3:]
        await pilot.pause(0.02)
        seen.append(probe())


def test_picker(snap_compare, tmp_path):
    app = make_app(scenario=None, store_path=tmp_path / "p.db", clock=frozen_clock)
    assert snap_compare(app, terminal_size=SIZE)


@pytest.mark.parametrize("step_id", STEPS)
def test_each_step(snap_compare, tmp_path, frozen_sim, step_id):
    """Every step as first opened; filter-key shows a failing check (expected/observed)."""

    async def open_step(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.open_step(step_id)
        await settle(pilot)

    assert snap_compare(lab_app(tmp_path, frozen_sim), terminal_size=STACKED,
                        run_before=open_step)


@pytest.mark.parametrize("view", ["instructions", "panes"])
def test_small_terminal_shows_text_or_panes(snap_compare, tmp_path, frozen_sim, view):
    """80x24: the step's text has the whole height; t shows the live panes instead."""

    async def choose(pilot) -> None:
        await settle(pilot)
        if view == "panes":
            await pilot.press("t")
            alerts = pilot.app.screen.query_one("#pane-alerts")
            await wait_until(pilot, lambda: alerts.has_focus_within, "focus in the pane")
            await settle(pilot)

    assert snap_compare(lab_app(tmp_path, frozen_sim), terminal_size=SMALL, run_before=choose)


def test_help_screen(snap_compare, tmp_path, frozen_sim):
    async def press_help(pilot) -> None:
        from labguide.tui.widgets.stepview import StepView

        await settle(pilot)
        # The step text behind the dialog shows in the snapshot too: let its layout (text,
        # questions, code blocks) and scroll settle first, then the help's own (each key
        # table measured over a few refreshes, and with them the scrollbar's thumb).
        view = pilot.app.screen.query_one(StepView)
        await steady(pilot, lambda: (view.virtual_size, view.scroll_y, view.size))
        await pilot.press("question_mark")
        from textual.containers import VerticalScroll

        scroll = pilot.app.screen.query_one(VerticalScroll)
        await steady(pilot, lambda: (scroll.virtual_size, scroll.size,
                                     scroll.show_vertical_scrollbar))

    assert snap_compare(lab_app(tmp_path, frozen_sim), terminal_size=SIZE,
                        run_before=press_help)


def test_unreachable_account_shows_errors_in_place(snap_compare, tmp_path):
    """An endpoint that refuses connections: panes and status line say where and why."""
    region = load_scenario(SCENARIO).scenario.region
    spec = TargetSpec(kind="endpoint", endpoint="http://127.0.0.1:9")
    connection = Connection(spec, region)
    connection.target = Target.for_simulator("http://127.0.0.1:9",
                                             Credentials("AKIAEXAMPLEEXAMPLE12", "x" * 40),
                                             region)
    connection._set_ready()

    async def wait_errors(pilot) -> None:
        await settle(pilot)
        assert pilot.app.screen.query_one("#pane-alerts").has_class("error")
        status = str(pilot.app.screen.query_one("#pane-alerts .pane-status").render())
        assert "cannot reach" in status

    assert snap_compare(lab_app(tmp_path, connection), terminal_size=STACKED,
                        run_before=wait_errors)
