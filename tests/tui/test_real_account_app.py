"""The app on a real account without --allow-changes sends nothing but reads, whatever
the learner presses, at every stage of the exercise (see tests/cli/test_real_account_reads.py
for the stand-in real account and how attempts are counted)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from labguide.lab.connection import Connection, TargetSpec
from tests.cli.test_real_account_reads import STAGES, _stage
from tests.cli.test_real_account_reads import server as server  # noqa: F401 - the fixture
from tests.tui.helpers import SCENARIO, lab_ready, make_app, wait_until


async def _visit_every_step(pilot, app) -> None:
    for step in app.session.scenario.steps:
        app.screen.open_step(step.id)
        await pilot.pause(0.3)
        await pilot.press("t", "r", "x", "s")  # into the panes, then their action keys
        await pilot.press("right_square_bracket")  # the next pane (CloudTrail: a read)
        if step.id == "verify-rotation":
            shell = app.screen.query("#shell-input")
            if shell:
                field = shell.first(Input)
                field.focus()
                field.value = "curl http://169.254.169.254/latest/meta-data/"
                await pilot.press("enter")
                await pilot.pause(0.3)
        await pilot.press("escape")
        await _run_every_block(pilot, app)


async def _run_every_block(pilot, app) -> None:
    """Enter on each runnable block of the step's text (issue 11.4): reads run, changes are
    refused before a dialog; whatever opened is closed."""
    from labguide.tui.widgets.codefence import CodeFence

    for fence in [f for f in app.screen.query(CodeFence) if f.run]:
        if app.screen.id != "lab":
            await pilot.press("escape")
        fence.focus()
        await pilot.press("enter")
        await pilot.pause(0.5)
        while app.screen.id != "lab" and app.screen.is_modal:
            await pilot.press("escape")
            await pilot.pause(0.1)


@pytest.mark.slow
async def test_the_app_on_a_read_only_real_account_only_reads(server, monkeypatch, tmp_path):  # noqa: F811
    """One session through the four stages: the exercise is advanced beside the app (as
    the learner would from the console), and every step is opened at each stage."""
    account = _stage(server, monkeypatch, "untouched")
    connection = Connection(TargetSpec(kind="aws"), "ap-southeast-2")
    connection.connect_remote()
    app = make_app(scenario=SCENARIO, target="aws", store_path=tmp_path / "p.db",
                   poll_interval=0.5, check_interval=0.5, connection=connection)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        for stage in STAGES:
            for step_id in STAGES[stage][len(account.solved):]:
                account.solve(step_id)
            await _visit_every_step(pilot, app)
            if stage != "untouched":
                await wait_until(pilot, lambda: app.session.state("filter-key") == "done",
                                 "the filter read as done")
        from labguide.tui.panes.cloudtrail import CloudTrailPane

        # the CloudTrail pane read the account's event history (LookupEvents is a read)
        assert app.screen.query_one(CloudTrailPane).loaded
        attempts = len(account.attempts)
        await pilot.pause(2.0)  # and left alone, the panes and checks keep polling
        assert len(account.attempts) > attempts
    assert account.changes() == [], account.changes()
