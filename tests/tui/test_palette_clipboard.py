"""The command palette reaches steps and pane actions; `y` copies a pane's value."""

from __future__ import annotations

from labguide.tui.panes.alerts import AlertsPane
from tests.tui.helpers import (
    frozen_lab_app,
    lab_ready,
    wait_until,
)


def _app(tmp_path, frozen_sim):
    return frozen_lab_app(tmp_path, frozen_sim, poll_interval=0.5)


async def test_y_in_the_alerts_pane_copies_the_selected_key_id(tmp_path, frozen_sim):
    app = _app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        alerts = app.screen.query_one(AlertsPane)
        await wait_until(pilot, lambda: alerts.last_data, "alerts")
        await pilot.press("t")
        await wait_until(pilot, lambda: alerts.has_focus_within, "the alerts pane focused")
        await pilot.press("y")
        truth = frozen_sim.embedded.world.truth
        await wait_until(pilot, lambda: app.clipboard == truth.stolen_access_key_id,
                         "the key id on the clipboard")


async def test_the_palette_goes_to_a_step(tmp_path, frozen_sim):
    app = _app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to step 3")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.step_id == "identify-principal",
                         "step 3 opened from the palette")


async def test_the_palette_offers_only_the_current_step_s_pane_actions(tmp_path, frozen_sim):
    """A newcomer on step 2 picked 'Instance: stop' and was told the pane is not part of
    this step: the palette now lists only the actions of the step's own panes."""
    from labguide.tui.commands import LabCommands

    app = _app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)

        def titles() -> list[str]:
            return [title for title, _, _ in LabCommands(app.screen)._commands()]

        assert app.screen.step_id == "alert"
        assert "Alerts: copy the e-mail's access key id" in titles()
        assert not any(t.startswith(("Instance:", "Role:", "Findings:")) for t in titles())
        app.screen.open_step("restart-instance")
        await pilot.pause()
        assert "Instance: stop" in titles() and "Instance: start" in titles()
        assert not any(t.startswith(("Role:", "Findings:", "Alerts:")) for t in titles())
        assert "Go to step 1: Read the alert" in titles()  # steps: always all of them
