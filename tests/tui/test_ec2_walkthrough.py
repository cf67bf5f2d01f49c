"""compromised-ec2-instance on the embedded simulator, driven like a learner: typed
answers, the findings pane's filter, the declared table panes' actions (network ACL,
security group) and the instance shell; every step turns done."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select

from labguide.lab.session import DONE
from labguide.tui.panes import gd
from labguide.tui.panes.alerts import AlertsPane, email_lines
from labguide.tui.panes.findings import FindingsPane
from labguide.tui.screens.modals import ConfirmModal, PromptModal
from tests.tui.helpers import SEED, lab_ready, make_app, wait_for_workers, wait_until
from tests.tui.test_walkthrough import answer

SCENARIO = "compromised-ec2-instance"


async def next_step(pilot, app, step_id: str) -> None:
    await pilot.press("escape", "n")
    await wait_until(pilot, lambda: app.screen.step_id == step_id, f"step {step_id}")


async def confirm(pilot, app) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
    await pilot.click("#confirm")


def pane(app, name: str):
    return app.screen.query_one(f"#pane-{name}")


async def shell(pilot, app, command: str) -> str:
    field = app.screen.query_one("#shell-input", Input)
    field.focus()
    field.value = command
    before = pane(app, "shell").last_output
    await pilot.press("enter")
    await wait_until(pilot, lambda: pane(app, "shell").last_output != before
                     or command.startswith(("sed", "systemctl")), "shell output", 30)
    await wait_for_workers(app)
    return pane(app, "shell").last_output


async def test_walk_the_exercise_with_pane_actions_and_answers(tmp_path):
    # The world's story ends now (no fixed epoch): instance role credentials issued months
    # ago would have expired, and the simulator does not refresh them as IMDS does.
    app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", seed=SEED,
                    poll_interval=0.5, check_interval=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.connection.ready, "the simulator")

        # 1. alert: the SSH brute-force e-mail names the type, the instance, the address.
        alerts = app.screen.query_one(AlertsPane)
        await wait_until(pilot, lambda: alerts.last_data, "alerts")
        finding = next(f for f in alerts.last_data if f["Type"].endswith("SSHBruteForce"))
        mail = dict(email_lines(finding))
        attacker = mail["Description"].split()[0]
        await answer(pilot, app, "finding-type", mail["Amazon GuardDuty Finding"])
        await answer(pilot, app, "instance", mail["Instance ID"])
        await answer(pilot, app, "attacker", attacker)
        await wait_until(pilot, lambda: app.session.state("alert") == DONE, "alert done")

        # 2. investigate: filter the findings on the instance and save the filter.
        await next_step(pilot, app, "investigate")
        findings = app.screen.query_one(FindingsPane)
        await wait_until(pilot, lambda: findings.last_data, "findings")
        findings.query_one("#findings-field", Select).value = \
            "resource.instanceDetails.instanceId"
        findings.query_one(DataTable).focus()
        await pilot.press("slash")
        await pilot.press(*mail["Instance ID"])
        await pilot.press("enter")
        assert {f["Type"] for f in findings.visible()} == {
            "UnauthorizedAccess:EC2/SSHBruteForce",
            "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"}
        assert all(gd.network_connection(f) for f in findings.visible())
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "filter name")
        await pilot.press("enter")
        await answer(pilot, app, "direction", "INBOUND")
        await wait_until(pilot, lambda: app.session.state("investigate") == DONE,
                         "investigate done")

        # 3. check-logins: the accepted line in the log group's events.
        await next_step(pilot, app, "check-logins")
        log = pane(app, "auth-log")
        await wait_until(pilot, lambda: log.last_data and log.last_data.get("rows"), "log rows")
        accepted = [row for _, row, _ in log.last_data["rows"] if "Accepted password" in row[0]]
        assert accepted
        user = accepted[0][0].split("Accepted password for ", 1)[1].split()[0]
        await answer(pilot, app, "login-user", user)
        await wait_until(pilot, lambda: app.session.state("check-logins") == DONE,
                         "check-logins done")

        # 4. block-attacker: the network ACL pane's `a`, confirmed.
        await next_step(pilot, app, "block-attacker")
        acl = pane(app, "network-acl")
        await wait_until(pilot, lambda: acl.last_data and acl.last_data.get("rows"), "ACL rows")
        await pilot.press("t", "a")
        await confirm(pilot, app)
        await wait_until(pilot, lambda: app.session.state("block-attacker") == DONE,
                         "block-attacker done")
        assert any(row[1] == "90" and row[2] == "deny" for _, row, _ in acl.last_data["rows"])

        # 5. close-ssh: select the SSH rule in the security group pane, `d`, confirm.
        await next_step(pilot, app, "close-ssh")
        groups = pane(app, "security-group")
        await wait_until(pilot, lambda: groups.last_data and groups.last_data.get("rows"),
                         "group rules")
        rows = groups.last_data["rows"]
        ssh = next(i for i, (_, _, item) in enumerate(rows) if item["FromPort"] == 22)
        await pilot.press("t")
        groups.query_one(DataTable).move_cursor(row=ssh)
        await pilot.pause()
        assert groups.selected()["FromPort"] == 22
        await pilot.press("d")
        await confirm(pilot, app)
        await wait_until(pilot, lambda: app.session.state("close-ssh") == DONE, "close-ssh done")
        await wait_until(pilot, lambda: [item["FromPort"] for _, _, item in
                                         groups.last_data["rows"]] == [80], "HTTP rule kept")

        # 6. disable-passwords: sed in the shell; only the restart makes the check pass.
        await next_step(pilot, app, "disable-passwords")
        await shell(pilot, app, "sed -i 's/^PasswordAuthentication yes/PasswordAuthentication "
                                "no/' /etc/ssh/sshd_config")
        assert "passwordauthentication no" in await shell(pilot, app, "sshd -T")
        await pilot.press("escape", "c")
        await wait_for_workers(app)
        assert app.session.state("disable-passwords") != DONE
        await shell(pilot, app, "systemctl restart sshd")
        await wait_until(pilot, lambda: app.session.state("disable-passwords") == DONE,
                         "disable-passwords done", 60)

        # 7. review.
        await next_step(pilot, app, "review")
        for question in app.session.scenario.step("review").questions:
            await answer(pilot, app, question.id,
                         "2" if question.id == "deny-one-address" else "Because of the rules.")
        await wait_until(pilot, lambda: app.session.all_done(), "every step done")
        await wait_for_workers(app)
        assert app.unexpected_errors == []
        done = app.store.load(SCENARIO, "simulator").steps_done
        assert set(done) == set(app.session.scenario.step_ids)
