"""The whole scenario on the embedded simulator, driven like a learner: only typed
answers and pane actions (keys, a modal's checkbox), each step turning done."""

from __future__ import annotations

import re

from textual.widgets import Checkbox, DataTable, Input, RichLog

from labguide.lab.session import DONE
from labguide.tui.panes import gd
from labguide.tui.panes.alerts import AlertsPane, email_lines
from labguide.tui.panes.findings import FindingsPane
from labguide.tui.panes.instance import InstancePane
from labguide.tui.screens.modals import ConfirmModal, PromptModal
from tests.tui.helpers import (
    EPOCH,
    SCENARIO,
    SEED,
    frozen_clock,
    lab_ready,
    make_app,
    wait_for_workers,
    wait_until,
)


async def answer(pilot, app, question_id: str, text: str) -> None:
    selector = f"#question-{app.screen.step_id}-{question_id} Input"
    # The questions follow the step's text, which renders in a thread.
    await wait_until(pilot, lambda: app.screen.query(selector), f"question {question_id}")
    field = app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_walk_the_whole_scenario_with_pane_actions_and_answers(tmp_path):
    app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", seed=SEED, epoch=EPOCH,
                    clock=frozen_clock, poll_interval=0.5, check_interval=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.connection.ready, "the simulator")
        assert app.session.connection.error is None

        # 1. alert: read the e-mail naming an access key, answer type and key.
        alerts = app.screen.query_one(AlertsPane)
        await wait_until(pilot, lambda: alerts.last_data, "alerts")
        mail = dict(next(email_lines(f) for f in alerts.last_data
                         if gd.access_key_details(f) and "IAMUser/MaliciousIPCaller.Custom"
                         in f["Type"] and f["Type"].startswith("Unauthorized")))
        await answer(pilot, app, "finding-type", mail["Amazon GuardDuty Finding"])
        await answer(pilot, app, "access-key", mail["Access Key ID"])
        await wait_until(pilot, lambda: app.session.state("alert") == DONE, "step alert done")

        # 2. filter-key: filter the findings on the key, save the filter.
        await pilot.press("escape")  # leave the answer field
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.step_id == "filter-key", "step 2")
        findings = app.screen.query_one(FindingsPane)
        await wait_until(pilot, lambda: findings.last_data, "findings")
        findings.query_one(DataTable).focus()
        await pilot.press("slash")
        await pilot.press(*mail["Access Key ID"])
        await pilot.press("enter")
        assert findings.visible() and all(
            gd.access_key_details(f)["AccessKeyId"] == mail["Access Key ID"]
            for f in findings.visible())
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "filter name")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session.state("filter-key") == DONE,
                         "step filter-key done")

        # 3. identify-principal: the role is userName in the finding's details.
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.step_id == "identify-principal", "step 3")
        selected = app.screen.query_one(FindingsPane).selected()
        role = gd.access_key_details(selected)["UserName"]
        instance_id = gd.access_key_details(selected)["PrincipalId"].split(":", 1)[1]
        await answer(pilot, app, "principal", role)
        await answer(pilot, app, "session-instance", instance_id)
        await wait_until(pilot, lambda: app.session.state("identify-principal") == DONE,
                         "step identify-principal done")

        # 4. revoke-sessions: r, tick the console's acknowledgement, confirm.
        await pilot.press("escape", "n")
        await wait_until(pilot, lambda: app.screen.step_id == "revoke-sessions", "step 4")
        await pilot.press("t", "r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "revoke dialog")
        await pilot.click(Checkbox)
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: app.session.state("revoke-sessions") == DONE,
                         "step revoke-sessions done")
        role_detail = app.screen.query_one("#role-detail")
        await wait_until(pilot, lambda: "✓ revoked" in str(role_detail.render()), "revoked")
        assert "r revokes again" in str(role_detail.render())  # not "Press r to revoke"

        # 5. restart-instance: stop, then start.
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.step_id == "restart-instance", "step 5")
        instance = app.screen.query_one(InstancePane)
        await pilot.press("t", "x")  # stop asks first
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "stop dialog")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: (instance.last_data or {}).get("State", {})
                         .get("Name") == "stopped", "instance stopped")
        await pilot.press("s")
        await wait_until(pilot, lambda: app.session.state("restart-instance") == DONE,
                         "step restart-instance done")

        # 6. verify-rotation: read the credentials through the instance shell.
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.step_id == "verify-rotation", "step 6")
        shell = app.screen.query_one("#shell-input", Input)
        shell.focus()
        shell.value = ("curl http://169.254.169.254/latest/meta-data/iam/"
                       f"security-credentials/{role}")
        await pilot.press("enter")
        shell_pane = app.screen.query_one("#pane-shell")
        await wait_until(pilot, lambda: "AccessKeyId" in shell_pane.last_output, "shell output")
        assert mail["Access Key ID"] not in shell_pane.last_output
        # The secret key and token are never shown whole, in the output or the pane's log.
        shown = "\n".join(line.text for line in shell_pane.query_one(RichLog).lines)
        for text in (shell_pane.last_output, shown):
            for field in ("SecretAccessKey", "Token"):
                value = re.search(rf'"{field}"\s*:\s*"([^"]*)"', text)
                assert value and value.group(1).endswith("(redacted)"), (field, text)
                assert len(value.group(1)) < 20
        await answer(pilot, app, app.session.scenario.step("verify-rotation").questions[0].id,
                     "The AccessKeyId differs from the stolen one and LastUpdated is recent.")
        assert app.session.state("verify-rotation") != DONE  # the key is not pasted yet
        pasted = re.search(r'"AccessKeyId"\s*:\s*"[A-Z0-9]+"', shell_pane.last_output)
        await answer(pilot, app, "current-key", pasted.group(0))
        await wait_until(pilot, lambda: app.session.state("verify-rotation") == DONE,
                         "step verify-rotation done")

        # 7. review: the questions.
        await pilot.press("escape", "n")
        await wait_until(pilot, lambda: app.screen.step_id == "review", "step 7")
        for question in app.session.scenario.step("review").questions:
            text = "2" if question.id == "rotation-trigger" else "It replaces instances."
            await answer(pilot, app, question.id, text)
        await wait_until(pilot, lambda: app.session.all_done(), "every step done")
        await wait_for_workers(app)
        assert app.unexpected_errors == []
        done = app.store.load(SCENARIO, "simulator").steps_done
        assert set(done) == set(app.session.scenario.step_ids)
