"""Rewind (issue 11.5): R restarts this step or goes back to a step's start, rebuilding the
simulated account by journal replay; answers kept, checks judged again. Absent, with its
reason, on a real account or an endpoint."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList

from labguide.lab.session import DONE
from labguide.tui.commands import rewind_commands
from labguide.tui.panes.findings import FindingsPane
from labguide.tui.screens.help import HelpScreen
from labguide.tui.screens.modals import ConfirmModal, PromptModal
from labguide.tui.screens.rewind import RewindScreen
from tests.tui.helpers import (
    EPOCH,
    SCENARIO,
    SEED,
    frozen_clock,
    iam_alert_email,
    lab_ready,
    make_app,
    wait_for_workers,
    wait_until,
)
from tests.tui.test_walkthrough import answer


def footer_keys(app) -> list[str]:
    return [key.description for key in app.screen.query("FooterKey")]


def saved_filters(app) -> list[str]:
    target = app.session.connection.target
    detector = target.call("guardduty", "ListDetectors")["DetectorIds"][0]
    return target.call("guardduty", "ListFilters", DetectorId=detector)["FilterNames"]


async def save_key_filter(pilot, app, key: str) -> None:
    findings = app.screen.query_one(FindingsPane)
    await wait_until(pilot, lambda: findings.last_data, "findings")
    findings.query_one(DataTable).focus()
    await pilot.press("slash", *key, "enter", "s")
    await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "filter name")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.session.state("filter-key") == DONE, "filter-key done")


async def confirm(pilot, app) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
    assert app.screen.focused.id == "cancel"  # it undoes work: Enter alone does not
    await pilot.click("#confirm")


async def test_go_back_and_restart_rebuild_the_account_and_keep_answers(tmp_path):
    app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", seed=SEED, epoch=EPOCH,
                   clock=frozen_clock, poll_interval=0.5, check_interval=0.5, realtime=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.connection.ready, "the simulator")
        await wait_until(pilot, lambda: app.screen.check_action("rewind", ()), "R available")
        mail = await iam_alert_email(pilot, app)
        await answer(pilot, app, "finding-type", mail["Amazon GuardDuty Finding"])
        await answer(pilot, app, "access-key", mail["Access Key ID"])
        await pilot.press("escape", "n")
        await wait_until(pilot, lambda: app.screen.step_id == "filter-key", "step 2")
        await save_key_filter(pilot, app, mail["Access Key ID"])
        assert len(saved_filters(app)) == 1
        await pilot.press("escape", "n")
        await wait_until(pilot, lambda: app.screen.step_id == "identify-principal", "step 3")
        await answer(pilot, app, "principal", "not-the-role")  # an answer of a later step
        await pilot.press("escape")  # out of the answer field: the lab's keys in the footer
        await pilot.pause()
        assert "Rewind" in footer_keys(app)

        # Go back to step 2: the saved filter is undone, step 2 is judged again.
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, RewindScreen), "the choices")
        choices = app.screen.query_one(OptionList)
        labels = [str(choices.get_option_at_index(i).prompt) for i in
                  range(choices.option_count)]
        assert labels[0].startswith("Restart this step: step 3")
        assert "start of step 2" in labels[1] and "start of step 1" in labels[2]  # nearest first
        choices.highlighted = next(i for i, label in enumerate(labels) if "step 2" in label)
        await pilot.press("enter")
        await confirm(pilot, app)
        await wait_until(pilot, lambda: app.screen.step_id == "filter-key" and
                         app.session.state("filter-key") != DONE, "back at step 2")
        assert saved_filters(app) == []
        assert app.session.state("alert") == DONE  # before step 2: kept
        assert app.session.saved_answer("identify-principal", "principal").text == \
            "not-the-role"  # a later step's answer: kept
        await wait_until(pilot, lambda: app.session.results.get("filter-key") is not None,
                         "a new check round")
        assert [c.status for c in app.session.results["filter-key"].checks] == ["failed"]
        assert app.session.done_count() == 1

        # Restart this step: done again, then restarted: undone again.
        await save_key_filter(pilot, app, mail["Access Key ID"])
        await pilot.press("escape", "R")
        await wait_until(pilot, lambda: isinstance(app.screen, RewindScreen), "the choices")
        await pilot.press("enter")  # the first choice: restart this step
        await confirm(pilot, app)
        await wait_until(pilot, lambda: app.session.state("filter-key") != DONE and
                         saved_filters(app) == [], "step 2 restarted")
        await wait_for_workers(app)

        # Cancelling changes nothing.
        await save_key_filter(pilot, app, mail["Access Key ID"])
        await pilot.press("escape", "R", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "confirmation")
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert app.session.state("filter-key") == DONE and len(saved_filters(app)) == 1


async def test_rewind_is_absent_on_a_real_account_with_its_reason(tmp_path):
    app = make_app(scenario=SCENARIO, target="aws", store_path=tmp_path / "p.db",
                   poll_interval=600, check_interval=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        screen = app.screen
        assert screen.check_action("rewind", ()) is False  # not in the footer, R does nothing
        await pilot.pause()
        assert "Check" in footer_keys(app) and "Rewind" not in footer_keys(app)
        commands = rewind_commands(screen)
        assert [c[0] for c in commands] == ["Rewind the account (not available)"]
        assert "real AWS account" in commands[0][2]
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(app.screen, (RewindScreen, ConfirmModal))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        notes = " ".join(str(label.render()) for label in app.screen.query(".help-note"))
        assert "Rewind (R) is not available on a real AWS account" in notes
