"""Changing step always shows that step's panes with the focus in a valid place
(issue 11.1: on step 3 `t` then `n` left step 4's tabs over the findings pane's body and
keys), and only the panes on screen poll."""

from __future__ import annotations

import pytest

from labguide.tui.panes.base import Pane
from labguide.tui.panes.findings import FindingsPane
from labguide.tui.panes.role import RolePane
from labguide.tui.screens.modals import ConfirmModal
from tests.tui.helpers import frozen_lab_app, lab_ready, wait_until


def shown_pane(app) -> Pane:
    from textual.widgets import TabbedContent

    tabs = app.screen.query_one(TabbedContent)
    (pane,) = [p for p in tabs.active_pane.query(Pane)] if tabs.active_pane else [None]
    return pane


def focused_pane(app) -> Pane | None:
    focused = app.focused
    return next((node for node in [focused, *focused.ancestors] if isinstance(node, Pane)),
                None) if focused is not None else None


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("keys", [("t",), ("t", "down")])
async def test_next_step_from_a_pane_shows_the_new_steps_pane(tmp_path, frozen_sim, size, keys):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=size) as pilot:
        await lab_ready(pilot)
        app.screen.open_step("identify-principal")
        await wait_until(pilot, lambda: app.session.facts.get("role_name"), "the role fact")
        await pilot.press(*keys)
        await wait_until(pilot, lambda: isinstance(focused_pane(app), FindingsPane),
                         "focus in the findings pane")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.step_id == "revoke-sessions", "step 4")
        await wait_until(pilot, lambda: isinstance(shown_pane(app), RolePane), "the role pane")
        if size == (80, 24):  # a new step: its instructions first; t shows the role pane
            await wait_until(pilot, lambda: app.screen.query_one("#step-view").has_focus,
                             "focus on the instructions")
            await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(focused_pane(app), RolePane),
                         "focus in the role pane")
        await pilot.pause()
        assert isinstance(shown_pane(app), RolePane)
        assert not app.screen.query_one(FindingsPane).showing
        keys = {b.binding.description for b in app.screen.active_bindings.values()}
        assert "Revoke sessions" in keys and "Save filter" not in keys
        await pilot.press("r")  # the role pane's key works: the revoke dialog
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "revoke dialog")


async def test_only_the_panes_on_screen_poll(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        panes = {p.name_: p for p in app.screen.query(Pane)}
        await wait_until(pilot, lambda: panes["alerts"].loaded, "the alerts pane")
        await pilot.pause(0.3)
        # Step 1 shows the alerts pane only; the others have not read the account.
        assert [name for name, p in panes.items() if p.loaded] == ["alerts"]
        assert all(p.stale for name, p in panes.items() if name != "alerts")
        app.screen.open_step("filter-key")
        await wait_until(pilot, lambda: panes["findings"].loaded, "findings once shown")
        assert not panes["role"].loaded and not panes["shell"].loaded
