"""The step's text is rendered off the app's thread (issue 9: a template may take up to its
budget, and the keys must keep answering meanwhile), and only the newest render is shown:
a slow render of a step left behind never replaces the text of the step opened since.
While no fact a step's text reads is known, the text made when the scenario was cached is
shown with no render at all."""

from __future__ import annotations

import threading

from labguide.scenario.templates import compile_template, render_bounded
from labguide.tui.widgets.stepview import StepView
from tests.tui.helpers import frozen_lab_app, lab_ready, wait_until

SLOW_STEP = "filter-key"


def render_every_step(app) -> None:
    """Every text is rendered, as when a fact it reads is known (not the cached text)."""
    app.session.text_as_loaded = lambda step_id: None


def hold_render(app, step_id: str) -> dict:
    """Make the session's render of `step_id` wait until `state["release"]` is set (a
    template that takes as long as the test wants); the other steps render as usual."""
    render_every_step(app)
    real = app.session.render
    state = {"started": threading.Event(), "release": threading.Event(),
             "done": threading.Event(), "timed_out": False, "real": real}

    def held(step, facts=None):
        if step != step_id:
            return real(step, facts)
        state["started"].set()
        try:
            if not state["release"].wait(20):  # the app's thread was blocked meanwhile
                state["timed_out"] = True
            return real(step, facts)
        finally:
            state["done"].set()

    app.session.render = held
    return state


async def open_held(pilot) -> tuple[StepView, dict]:
    """Open SLOW_STEP with its render held; return the step view and the hold."""
    app = pilot.app
    await lab_ready(pilot)
    view = app.screen.query_one(StepView)
    held = hold_render(app, SLOW_STEP)
    app.screen.open_step(SLOW_STEP)
    await wait_until(pilot, held["started"].is_set, "the render to start")
    return view, held


async def press_and_see(pilot, steps, key: str) -> None:
    """Press `key` in the step list and wait until its highlight moved (the key answered)."""
    before = steps.highlighted
    await pilot.press(key)
    await wait_until(pilot, lambda: steps.highlighted != before, f"{key} answered", timeout=15)


async def test_a_long_render_does_not_hold_up_key_presses(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        view, held = await open_held(pilot)
        steps = app.screen.query_one("#steps")
        steps.focus()
        for key in ("down", "up", "down"):  # answered while the template is still rendering
            await press_and_see(pilot, steps, key)
        assert not held["done"].is_set() and view.rendered is None
        assert "Step 2 of 7" in str(view.query_one("#step-title").content)  # title at once
        held["release"].set()
        await wait_until(pilot, lambda: view.rendered is not None, "the step's text")
        assert not held["timed_out"]  # the render never waited for the app's thread
        assert view.rendered == held["real"](SLOW_STEP, dict(app.session.facts))
        await wait_until(pilot, lambda: len(view.cards()) == len(
            app.session.scenario.step(SLOW_STEP).questions), "the step's questions")


async def test_a_stale_render_never_replaces_a_newer_steps_text(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        view, held = await open_held(pilot)
        app.screen.open_step("identify-principal")  # the learner moves on meanwhile
        await wait_until(pilot, lambda: view.step_id == "identify-principal" and
                         view.rendered is not None and view.cards(), "the newer step's text")
        await pilot.pause()  # the blocks of the step left behind are gone
        newer = view.rendered
        blocks = view.query_one("#step-blocks")
        shown = list(blocks.children)
        held["release"].set()  # the slow render of the step left behind ends now
        await wait_until(pilot, held["done"].is_set, "the slow render to end")
        await wait_until(pilot, lambda: not [w for w in view.workers if not w.is_finished],
                         "the render worker to end")
        await pilot.pause()
        assert view.step_id == "identify-principal" and view.rendered == newer
        assert list(blocks.children) == shown  # not even remounted
        assert "Step 3 of 7" in str(view.query_one("#step-title").content)
        # A stale result that got out before its worker was replaced is dropped too: a
        # render of this very step asked for before the newest one.
        view.post_message(StepView.TextRendered("identify-principal", view.renders - 1,
                                                "# stale text", None))
        view.post_message(StepView.TextRendered(SLOW_STEP, view.renders, "# other step", None))
        await pilot.pause()
        await pilot.pause()
        assert view.rendered == newer and list(blocks.children) == shown


async def test_a_render_over_the_time_budget_stops_in_the_worker(tmp_path, frozen_sim):
    """The template time limit (a trace function, per thread) holds in the worker: a
    template looping for hours is stopped at its budget and said in place; keys answer."""
    app = frozen_lab_app(tmp_path, frozen_sim)
    endless = ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
               "{% endfor %}")
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        view = app.screen.query_one(StepView)
        real = app.session.render

        def looping(step, facts=None):
            if step != SLOW_STEP:
                return real(step, facts)
            return render_bounded(compile_template(endless, "endless.md"), {}, "endless.md")

        app.session.render = looping
        render_every_step(app)
        app.screen.open_step(SLOW_STEP)
        steps = app.screen.query_one("#steps")
        steps.focus()
        await press_and_see(pilot, steps, "down")
        await wait_until(pilot, lambda: view.query(".content-error"), "the budget's message",
                         timeout=60)
        message = str(view.query_one(".content-error").content)
        assert "rendering took longer than 1 s" in message, message
        await press_and_see(pilot, steps, "up")  # the app goes on


async def test_a_text_whose_facts_are_unknown_is_shown_without_a_render(tmp_path, frozen_sim):
    """The text kept with the cached scenario is shown at once, and a render comes only
    once a fact the text reads is known (then the worker fills it in)."""
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        view = app.screen.query_one(StepView)
        texts = app.session.loaded.step_texts
        assert texts["review"].reads == frozenset() and SLOW_STEP in texts
        real, renders = app.session.render, []

        def counted(step, facts=None):
            renders.append(step)
            return real(step, facts)

        app.session.render = counted
        app.screen.open_step("review")  # reads no fact: never rendered
        await wait_until(pilot, lambda: view.step_id == "review" and view.rendered and
                         [c for c in view.cards() if c.step_id == "review"], "the review step")
        assert renders == [] and view.rendered == texts["review"].markdown
        assert view.rendered == real("review")
        if app.session.facts.get("access_key_id") is None:  # as a check round finds it
            app.session.facts["access_key_id"] = "ASIAEXAMPLEKEY000001"
        app.screen.open_step(SLOW_STEP)
        await wait_until(pilot, lambda: view.step_id == SLOW_STEP and view.rendered and
                         [c for c in view.cards() if c.step_id == SLOW_STEP], "the rendered text")
        assert renders and set(renders) == {SLOW_STEP}
        assert "‹access key id›" not in view.rendered  # the key known, filled in
