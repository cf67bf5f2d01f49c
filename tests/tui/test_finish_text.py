"""The closing text is shown like a step's: markdown with its callouts as titled boxes."""

from __future__ import annotations

from textual.widgets import Markdown

from labguide.tui.screens.finish import FinishScreen
from tests.tui.helpers import (
    frozen_lab_app,
    lab_ready,
    wait_until,
)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_closing_text_shows_its_callout_as_a_box(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim, poll_interval=0.5, check_interval=600)
    async with app.run_test(size=(120, 60)) as pilot:
        await lab_ready(pilot)
        closing = app.session.render_finish()
        assert "::: tip" in closing  # the scenario's closing text has a callout
        app.push_screen(FinishScreen(closing, app.session))
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen), "the finish screen")
        await pilot.pause()
        screen = app.screen
        callouts = screen.query(".callout.callout-tip")
        assert len(callouts) == 1
        title = callouts.first().query_one(".callout-title").render()
        assert str(title) == "★ Tip: In a real incident, next"
        assert all(":::" not in block.source for block in screen.query(Markdown))
        # Tall enough for the whole text: what the learner reads, first line to last.
        shown = screen_text(app)
        assert "You followed one alert" in shown and "auto scaling" in shown
        assert "★ Tip: In a real incident, next" in shown
        assert ":::" not in shown
