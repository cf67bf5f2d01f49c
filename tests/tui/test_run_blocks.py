"""Runnable blocks of the text (issue 11.4): Enter on a ```sh run=aws block runs it on the
lab's account through the action guard (reads at once, changes after a confirmation) and
shows what it printed; Enter on a ```sh run=shell block sends it to the shell pane."""

from __future__ import annotations

import json

from textual.widgets import RichLog

from labguide.lab.session import DONE
from labguide.tui.panes.shell import ShellPane
from labguide.tui.screens.cli_output import CliOutputScreen
from labguide.tui.screens.modals import ConfirmModal
from labguide.tui.widgets.codefence import CodeFence
from tests.tui.helpers import frozen_lab_app, lab_ready, wait_until


def runnable(app, run: str) -> list[CodeFence]:
    return [f for f in app.screen.query(CodeFence) if f.run == run]


async def open_step(pilot, app, step_id: str, run: str) -> list[CodeFence]:
    app.screen.open_step(step_id)
    await wait_until(pilot, lambda: runnable(app, run), f"the runnable blocks of {step_id}")
    return runnable(app, run)


async def test_an_aws_read_block_runs_at_once_and_shows_its_output(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.facts.get("access_key_id"), "the key")
        blocks = await open_step(pilot, app, "filter-key", "aws")
        listing = next(b for b in blocks if "list-findings" in b.code)
        assert listing.border_title and "Enter" in listing.border_title
        listing.focus()
        await pilot.pause()
        assert any(a.binding.key == "enter" and a.binding.description == "Run block"
                   for a in app.active_bindings.values())  # in the footer
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CliOutputScreen), "the output")
        shown = app.screen.transcript
        assert [s.command.split()[:3] for s in shown] == [["aws", "guardduty", "list-findings"]]
        ids = json.loads(shown[0].output)["FindingIds"]
        assert ids and not shown[0].error  # the findings on the stolen key, as the CLI prints
        key = app.session.facts["access_key_id"]
        got = frozen_sim.target.call("guardduty", "GetFindings",
                                     DetectorId=app.session.facts["detector_id"],
                                     FindingIds=ids)["Findings"]
        assert {f["Resource"]["AccessKeyDetails"]["AccessKeyId"] for f in got} == {key}
        await pilot.press("escape")
        assert not isinstance(app.screen, CliOutputScreen)


async def test_an_aws_change_block_asks_first_then_changes_the_account(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim, check_interval=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.facts.get("detector_id"), "the detector")
        blocks = await open_step(pilot, app, "filter-key", "aws")
        create = next(b for b in blocks if "create-filter" in b.code)
        create.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "a confirmation")
        assert "aws guardduty create-filter" in app.screen.body
        await pilot.press("escape")  # cancelled: nothing is sent
        await pilot.pause(0.3)
        detector = app.session.facts["detector_id"]
        assert "stolen-key" not in frozen_sim.target.call(
            "guardduty", "ListFilters", DetectorId=detector)["FilterNames"]
        create.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "a confirmation")
        app.screen.query_one("#confirm").press()
        await wait_until(pilot, lambda: isinstance(app.screen, CliOutputScreen), "the output")
        assert json.loads(app.screen.transcript[0].output) == {"Name": "stolen-key"}
        assert "stolen-key" in frozen_sim.target.call(
            "guardduty", "ListFilters", DetectorId=detector)["FilterNames"]
        # the step's check runs after it, as after a pane action
        await wait_until(pilot, lambda: app.session.state("filter-key") == DONE,
                         "filter-key done")


async def test_a_shell_block_goes_to_the_shell_pane(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.facts.get("role_name") and
                         app.session.facts.get("instance_id"), "the role and instance")
        (block,) = await open_step(pilot, app, "verify-rotation", "shell")
        await wait_until(pilot, lambda: "‹" not in block.code, "the facts in the text")
        block.focus()
        await pilot.press("enter")
        shell = app.screen.query_one(ShellPane)
        await wait_until(pilot, lambda: shell.showing, "the shell pane shown (80x24)")
        await wait_until(pilot, lambda: '"AccessKeyId"' in shell.last_output,
                         "the instance's credentials")
        log = "\n".join(line.text for line in shell.query_one(RichLog).lines)
        assert "sh-4.2$ TOKEN=$(curl" in log
        assert shell.history == [block.code.strip()]


async def test_a_block_that_is_not_a_plain_call_says_why_and_sends_nothing(tmp_path,
                                                                           frozen_sim):
    from labguide.tui.screens.run_blocks import RunBlocks

    app = frozen_lab_app(tmp_path, frozen_sim)
    sent: list[str] = []
    frozen_sim.target.on_event("before-call.*.*",
                               lambda model, **_: sent.append(model.name))
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.pause(0.5)
        before = len(sent)
        fence = app.screen.query(CodeFence).first()
        RunBlocks.on_code_fence_run_requested(app.screen, CodeFence.RunRequested(
            fence, "aws", "aws ec2 stop-instances --instance-ids $INSTANCE"))
        await pilot.pause(0.3)
        notes = [n.message for n in app._notifications]
        assert any("shell syntax" in note for note in notes), notes
        assert not isinstance(app.screen, (ConfirmModal, CliOutputScreen))
        assert "StopInstances" not in sent[before:]


def test_a_block_never_shows_a_secret_whole(frozen_sim):
    from labguide.actions.cli_block import CliBlockAction
    from labguide.scenario.aws_cli import parse_block

    (shown,) = CliBlockAction(tuple(parse_block("aws sts get-session-token"))).run(
        frozen_sim.target)
    answer = json.loads(shown.output)["Credentials"]
    assert "redacted" not in answer["AccessKeyId"]  # what learners compare stays whole
    assert answer["SecretAccessKey"].endswith("…(redacted)")
    assert answer["SessionToken"].endswith("…(redacted)")
