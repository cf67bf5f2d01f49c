"""Relaunching resumes: progress from the store, the simulated world from its journal;
--reset starts over."""

from __future__ import annotations

from textual.widgets import DataTable

from labguide.lab.session import DONE, NOT_STARTED
from labguide.tui.panes import gd
from labguide.tui.panes.findings import FindingsPane
from labguide.tui.screens.modals import PromptModal
from tests.tui.helpers import (
    EPOCH,
    SCENARIO,
    SEED,
    frozen_clock,
    iam_alert_email,
    lab_ready,
    make_app,
    wait_until,
)
from tests.tui.test_walkthrough import answer


def resumable_app(tmp_path, **kwargs):
    return make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", seed=SEED, epoch=EPOCH,
                    clock=frozen_clock, poll_interval=0.5, check_interval=0.5,
                    realtime=False, **kwargs)


async def test_progress_and_world_resume_after_a_restart(tmp_path):
    app = resumable_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.connection.ready, "the simulator")
        mail = await iam_alert_email(pilot, app)
        await answer(pilot, app, "finding-type", mail["Amazon GuardDuty Finding"])
        await answer(pilot, app, "access-key", mail["Access Key ID"])
        await pilot.press("escape", "h")  # a hint revealed on the next question too
        await wait_until(pilot, lambda: app.session.state("alert") == DONE, "alert done")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.step_id == "filter-key", "step 2")
        findings = app.screen.query_one(FindingsPane)
        await wait_until(pilot, lambda: findings.last_data, "findings")
        findings.query_one(DataTable).focus()
        await pilot.press("slash", *mail["Access Key ID"], "enter", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "filter name")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session.state("filter-key") == DONE, "filter done")

    # A new app and a new simulated account: the journal rebuilds the saved filter.
    again = resumable_app(tmp_path)
    async with again.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        assert again.screen.step_id == "filter-key"  # the current step
        assert again.session.state("alert") == DONE
        assert again.session.saved_answer("alert", "access-key").text == mail["Access Key ID"]
        await wait_until(pilot, lambda: again.session.connection.ready, "the simulator")
        await wait_until(pilot, lambda: again.session.results.get("filter-key"), "checks")
        result = again.session.results["filter-key"]
        assert [c.status for c in result.checks] == ["passed"], result
        findings = again.screen.query_one(FindingsPane)
        await wait_until(pilot, lambda: findings.last_data, "findings")
        assert gd.access_key_details(findings.last_data[1][0])["AccessKeyId"]

    # --reset: progress and world start over.
    fresh = resumable_app(tmp_path, reset=True)
    async with fresh.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        assert fresh.screen.step_id == "alert"
        assert fresh.session.state("filter-key") == NOT_STARTED
        await wait_until(pilot, lambda: fresh.session.results.get("filter-key"), "checks")
        assert fresh.session.results["filter-key"].checks[0].status == "failed"
