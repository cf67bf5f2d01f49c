"""How the lab appears: a loading screen only the first time; then the lab screen is the
first frame, its text comes before the live panes, and the questions after the text."""

from __future__ import annotations

from labguide.tui.screens.lab import LabScreen
from labguide.tui.widgets.questions import QuestionCard
from labguide.tui.widgets.stepview import StepView
from tests.tui.helpers import SCENARIO, lab_ready, make_app


def _recording(app) -> list[str]:
    """Names of the screens the app pushes, in order."""
    pushed: list[str] = []
    push = app.push_screen

    def recorded(screen, *args, **kwargs):
        pushed.append(type(screen).__name__)
        return push(screen, *args, **kwargs)

    app.push_screen = recorded
    return pushed


async def test_the_second_launch_opens_on_the_lab_screen(tmp_path, frozen_sim):
    events: list[str] = []
    body, mount_panes = StepView._show_body, LabScreen._mount_panes

    def show_body(view, step_id):
        events.append("text")
        body(view, step_id)

    async def panes(screen):
        events.append("panes")
        await mount_panes(screen)

    for launch in ("first", "second"):
        events.clear()
        app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", connection=frozen_sim,
                        realtime=False)
        pushed = _recording(app)
        app_show, app_panes = StepView._show_body, LabScreen._mount_panes
        StepView._show_body, LabScreen._mount_panes = show_body, panes
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await lab_ready(pilot)
                await pilot.pause()
                assert app.screen.query(QuestionCard), "the step's questions are shown"
        finally:
            StepView._show_body, LabScreen._mount_panes = app_show, app_panes
        if launch == "first":  # the scenario is validated in a thread behind a loading screen
            assert pushed == ["LoadingScreen", "LabScreen"], pushed
        else:  # validated at the first launch and unchanged: no loading screen at all
            assert pushed == ["LabScreen"], pushed
        assert events[:2] == ["text", "panes"], events
