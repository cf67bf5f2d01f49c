"""Issue 11.8's small things, each as the newcomer met it."""

from __future__ import annotations

from textual.widgets import Button, Input

from labguide.tui.panes.instance import InstancePane
from labguide.tui.screens.action_host import TOAST_WIDTH, toast_line
from labguide.tui.screens.modals import ConfirmModal
from tests.tui.helpers import frozen_lab_app, lab_ready, wait_until


async def test_stop_asks_first_as_revoke_does(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        app.screen.open_step("restart-instance")
        await wait_until(pilot, lambda: app.session.facts.get("instance_id"), "the instance")
        pane = app.screen.query_one(InstancePane)
        await wait_until(pilot, lambda: pane.showing, "the instance pane")
        pane.focus_default()
        await pilot.pause()
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "a confirmation")
        assert "Stop the instance?" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("escape")  # cancelled: nothing changed
        await pilot.pause()
        state = frozen_sim.target.call("ec2", "DescribeInstances", InstanceIds=[
            app.session.facts["instance_id"]])["Reservations"][0]["Instances"][0]["State"]
        assert state["Name"] == "running"


async def test_tab_after_an_answer_goes_to_the_next_answer_not_a_hint(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        cards = app.screen.query_one("#step-view").cards()
        await wait_until(pilot, lambda: len(app.screen.query_one("#step-view").cards()) >= 2,
                         "the questions")
        cards = app.screen.query_one("#step-view").cards()
        first = cards[0].query_one(Input)
        first.focus()
        await pilot.press(*"nonsense", "enter", "tab")
        assert not isinstance(app.focused, Button)
        assert app.focused is cards[1].query_one(Input)
        await pilot.press("enter")  # an empty answer: no hint revealed, none recorded
        assert app.session.hints_shown("alert", cards[0].question.id) == 0


def test_a_done_actions_toast_is_one_line():
    cli = ("aws ssm send-command --instance-ids i-0123 --document-name AWS-RunShellScript "
           "--parameters '{\"commands\":[\"curl -s http://169.254.169.254/latest/\"]}'\n"
           "aws ssm get-command-invocation --command-id X --instance-id i-0123")
    line = toast_line(cli)
    assert "\n" not in line and line.endswith("…") and len(line) <= TOAST_WIDTH + 4
    assert toast_line("aws ec2 stop-instances --instance-ids i-1") == \
        "$ aws ec2 stop-instances --instance-ids i-1"
