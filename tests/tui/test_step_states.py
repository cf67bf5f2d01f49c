"""A step's state only moves forward: a done step stays done (icon and word) whatever
the learner does afterwards."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from labguide.lab.session import DONE, IN_PROGRESS, VISITED
from labguide.tui.panes.alerts import AlertsPane
from tests.tui.helpers import (
    frozen_lab_app,
    iam_alert_email,
    lab_ready,
    wait_until,
)
from tests.tui.test_walkthrough import answer


def shown_state(app, step_id: str) -> str:
    options = app.screen.query_one("#steps", OptionList)
    index = app.session.scenario.step_ids.index(step_id)
    return str(options.get_option_at_index(index).prompt)


async def test_a_done_step_stays_done_after_moving_away_and_back(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim, poll_interval=0.5, check_interval=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        mail = await iam_alert_email(pilot, app)
        await answer(pilot, app, "finding-type", mail["Amazon GuardDuty Finding"])
        await answer(pilot, app, "access-key", mail["Access Key ID"])
        await wait_until(pilot, lambda: app.session.state("alert") == DONE, "alert done")
        for keys in (("escape", "n"), ("p",), ("n",), ("p",)):
            await pilot.press(*keys)
            await pilot.pause()
            await wait_until(pilot, lambda: app.session.last_refresh is not None, "a round")
            assert app.session.state("alert") == DONE, keys
            assert "✓" in shown_state(app, "alert") and "done" in shown_state(app, "alert")
            assert IN_PROGRESS not in shown_state(app, "alert")
        assert app.screen.step_id == "alert"
        # Opened, nothing done there (issue 11.8: it said "in progress").
        assert app.session.state("filter-key") == VISITED
        assert "◌" in shown_state(app, "filter-key") and "visited" in shown_state(
            app, "filter-key")
        assert app.session.state("identify-principal") == "not started"


async def test_a_short_terminal_gives_the_text_its_height_and_t_shows_the_panes(
        tmp_path, frozen_sim):
    from labguide.tui.widgets.stepview import StepView

    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await lab_ready(pilot)
        await pilot.pause()
        view, panes = app.screen.query_one(StepView), app.screen.query_one("#panes")
        assert view.display and not panes.display
        assert view.size.height >= 16  # was 10 rows with the panes stacked below
        await pilot.press("t")
        await wait_until(pilot, lambda: panes.display and not view.display, "the panes")
        alerts = app.screen.query_one(AlertsPane)
        await wait_until(pilot, lambda: alerts.has_focus_within, "focus in the alerts pane")
        await pilot.press("escape")
        await pilot.pause()
        assert view.display and not panes.display
        await pilot.press("t", "n")  # a new step opens on its instructions
        await wait_until(pilot, lambda: app.screen.step_id == "filter-key", "step 2")
        assert view.display and not panes.display
        await pilot.click("#view-bar")  # the bar switches too
        await wait_until(pilot, lambda: panes.display and not view.display, "panes by click")
        await pilot.press("e")  # typing an answer brings the instructions back
        await wait_until(pilot, lambda: view.display and not panes.display, "the text")
        assert isinstance(app.focused, Input)


async def test_e_goes_on_to_the_next_open_question_never_back_over_a_right_answer(
        tmp_path, frozen_sim):
    """A newcomer answered question 1 right, pressed e for question 2 and typed the key:
    e had gone back to question 1 with its text selected, and the right answer was lost."""
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        mail = await iam_alert_email(pilot, app)
        await answer(pilot, app, "finding-type", mail["Amazon GuardDuty Finding"])
        assert app.session.saved_answer("alert", "finding-type").correct
        first = app.screen.query_one("#question-alert-finding-type")
        assert first is not None
        app.screen.show_instructions()  # out of the field (its buttons take no focus now)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        second = app.screen.query_one("#question-alert-access-key Input", Input)
        assert app.focused is second
        await pilot.press(*mail["Access Key ID"], "enter")
        await wait_until(pilot, lambda: app.session.state("alert") == DONE, "alert done")
        assert app.session.saved_answer("alert", "finding-type").correct  # kept


async def test_esc_out_of_a_zoomed_answer_field_leaves_the_field(tmp_path, frozen_sim):
    """Esc first un-zooms (Textual's rule); the keys after it used to land in the answer."""
    from labguide.tui.widgets.stepview import StepView

    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.pause()
        view = app.screen.query_one(StepView)
        view.focus()
        await pilot.press("z")
        await wait_until(pilot, lambda: app.screen.maximized is view, "the zoomed text")
        field = app.screen.query_one("#question-alert-finding-type Input", Input)
        field.focus()
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen.maximized is None, "un-zoomed")
        assert not isinstance(app.focused, Input)
        await pilot.press("z", "t")
        await pilot.pause()
        assert field.value == ""
