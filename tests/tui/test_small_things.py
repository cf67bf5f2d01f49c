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


# ----- layout at 120x40 and 80x24 (issue 11.8) ------------------------------------------------


def footer_keys(app) -> list[str]:
    return [key.description for key in app.screen.query("FooterKey")]


async def test_at_80x24_the_footer_keeps_help_and_quit_and_no_half_key(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await lab_ready(pilot)
        for keys in ((), ("t",)):  # the instructions, then a pane's own keys too
            await pilot.press(*keys)
            await pilot.pause(0.3)
            shown = footer_keys(app)
            assert shown[:2] == ["Help", "Quit"], shown
            for key in app.screen.query("FooterKey"):
                assert key.region.right <= 80, (key.description, key.region)
    async with frozen_lab_app(tmp_path, frozen_sim).run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.pause(0.3)
        wide = footer_keys(pilot.app)
        assert "Next step" in wide and wide.index("Help") > wide.index("Next step")
        # A pane's own keys too (the role pane: r, y): at 120 columns they pushed Quit and
        # Help off and cut the last key in half.
        pilot.app.screen.open_step("revoke-sessions")
        await pilot.pause(0.3)
        await pilot.press("t")
        await pilot.pause(0.3)
        shown = footer_keys(pilot.app)
        assert "Revoke sessions" in shown and shown[:2] == ["Help", "Quit"], shown
        for key in pilot.app.screen.query("FooterKey"):
            assert key.region.right <= 120, (key.description, key.region)


def test_a_long_target_label_gives_way_to_its_short_form_and_the_time():
    from rich.text import Text

    from labguide.lab.connection import Connection, TargetSpec
    from labguide.tui.screens.lab import status_text

    spec = TargetSpec(kind="endpoint", endpoint="http://127.0.0.1:38311", endpoint_from_env=True)
    connection = Connection(spec, "ap-southeast-2")
    connection.account_id = "210000007919"
    assert connection.short_label() == "endpoint 127.0.0.1:38311 (env)"
    text = status_text(connection.label(), Text("… manual (0/2 passed)"), "03:07:49 UTC", 78,
                       short_target=connection.short_label())
    assert text.cell_len <= 78
    assert text.plain == "◆ endpoint 127.0.0.1:38311 (env) │ … manual (0/2 passed) │ ↻ 03:07:49"


async def test_header_and_status_line_fit_at_80x24_on_an_endpoint(tmp_path, frozen_sim,
                                                                 monkeypatch):
    from labguide.lab.connection import TargetSpec

    monkeypatch.setattr(frozen_sim, "spec", TargetSpec(
        kind="endpoint", endpoint=frozen_sim.target.endpoint_url, endpoint_from_env=True))
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.last_refresh, "a check round")
        assert app.screen.sub_title == frozen_sim.short_label()
        status = str(app.screen.query_one("#status-line").render())
        assert status.rstrip().endswith(app.format_time(app.session.last_refresh)
                                        .removesuffix(" UTC"))


def test_step_titles_wrap_whole_and_check_lines_hang_under_their_text():
    from types import SimpleNamespace

    from labguide.tui.widgets.steplist import step_prompt
    from labguide.tui.widgets.stepview import check_lines

    lines = step_prompt(3, "Identify the principal behind the key", "visited", 28).plain
    first, second, state = lines.splitlines()
    assert first == "◌ 3. Identify the principal" and second == "     behind the key"
    assert state == "   visited"
    title = ("The instance is running and was started after the revocation (a reboot does "
             "not count).")
    step = SimpleNamespace(checks=[SimpleNamespace(id="c", title=title)])
    check = SimpleNamespace(id="c", status="failed", summary="", expected="instance "
                            "i-0123 running, started after the revocation at 09:30:00Z",
                            observed="no revocation on role threat-detection-wksp-role "
                            "(its policies: inline policy app, none revoking)")
    shown = check_lines(step, SimpleNamespace(checks=[check]), 60).plain.splitlines()
    assert all(len(line) <= 60 for line in shown)
    assert " ".join(part.strip() for part in shown[1:3]).endswith(title)  # whole, not cut
    assert shown[2].startswith(" " * len("✗ failed  "))
    expected = [n for n, line in enumerate(shown) if "expected:" in line][0]
    assert shown[expected + 1].startswith(" " * len("    expected: "))
    observed = [n for n, line in enumerate(shown) if "observed:" in line][0]
    assert shown[observed + 1].startswith(" " * len("    observed: "))


async def test_the_status_lines_first_separator_continues_the_step_lists_border(
        tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.pause()
        status = app.screen.query_one("#status-line")
        border = app.screen.query_one("#step-list").region.right - 1
        text = str(status.render())
        assert status.content_region.x + text.index("│") == border


async def test_the_finish_dialog_shows_the_whole_tip_box_above_its_button(tmp_path,
                                                                         frozen_sim):
    from textual.containers import VerticalScroll

    from labguide.tui.screens.finish import FinishScreen

    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen), "the finish")
        await pilot.pause(0.3)
        scroll = app.screen.query_one("#finish-text", VerticalScroll)
        tip = app.screen.query_one(".callout-tip")
        assert scroll.max_scroll_y == 0  # nothing cut at 120x40
        assert tip.region.bottom <= scroll.region.bottom  # its bottom border shown
        assert app.screen.query_one(Button).region.y >= scroll.region.bottom
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert scroll.max_scroll_y > 0
        assert "scroll the text" in str(app.screen.query_one("#finish-more").render())
        await pilot.press("pagedown")
        assert scroll.scroll_y > 0
