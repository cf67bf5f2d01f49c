"""A declared table pane's filter bar (`filter:` in the scenario), driven with keys: the
auth-log pane sends what is typed as FilterLogEvents' filterPattern on Enter (the
simulator judges it as CloudWatch Logs does, tests/sim/test_logs_patterns.py), the
security-group pane filters its rows as the text is typed; both say so in the pane's
status line and offer "Clear filter" in the footer only while a filter is set. Row
actions go through the screen's guard (ActionRequested): one confirmation, then the
declared operation with the row's own values (a number stays a number, a boolean a
boolean: DeleteNetworkAclEntry takes RuleNumber and Egress so)."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from labguide.tui.screens.modals import ConfirmModal
from tests.tui.conftest import EC2_SCENARIO as SCENARIO
from tests.tui.helpers import EPOCH, SEED, frozen_clock, make_app, wait_for_workers, wait_until
from tests.tui.test_snapshots import STACKED, settle


def lab(tmp_path, connection):
    return make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", seed=SEED, epoch=EPOCH,
                    clock=frozen_clock, poll_interval=600, check_interval=600,
                    connection=connection)


async def open_panes(pilot, step_id: str, pane_name: str):
    await settle(pilot)
    pilot.app.screen.open_step(step_id)
    await settle(pilot)
    await pilot.press("t")  # to the panes: the table has the focus
    pane = pilot.app.screen.query_one(f"#pane-{pane_name}")
    await wait_until(pilot, lambda: pane.last_data and pane.last_data.get("rows"), "rows")
    return pane


def messages(pane) -> list[str]:
    return [str(pane.query_one(DataTable).get_row(row.key)[0])
            for row in pane.query_one(DataTable).ordered_rows]


def footer_offers(app, description: str) -> bool:
    return any(b.binding.description == description and b.enabled
               for b in app.screen.active_bindings.values())


def status(pane) -> str:
    return str(pane.query_one(".pane-status").render())


async def type_filter(pilot, pane, text: str, enter: bool = True) -> None:
    await pilot.press("slash")
    field = pane.query_one(Input)
    assert pilot.app.focused is field
    field.value = ""
    if text:
        await pilot.press(*text)
    if enter:
        await pilot.press("enter")
    await wait_for_workers(pilot.app)
    await pilot.pause()


async def test_the_log_pane_sends_a_filter_pattern_and_clears_it(tmp_path, frozen_ec2):
    app = lab(tmp_path, frozen_ec2)
    async with app.run_test(size=STACKED) as pilot:
        log = await open_panes(pilot, "check-logins", "auth-log")
        everything = messages(log)
        assert any("Failed password" in m for m in everything)
        assert not footer_offers(app, "Clear filter")

        await type_filter(pilot, log, "Accepted")
        await wait_until(pilot, lambda: log.last_data.get("sent") == "Accepted", "the pattern")
        kept = messages(log)
        assert kept and all("Accepted" in m for m in kept) and len(kept) < len(everything)
        assert "filterPattern Accepted" in status(log) and f"{len(kept)} row" in status(log)
        assert log.selected()["message"] == kept[0]  # its row left out: back to the first
        assert footer_offers(app, "Clear filter")
        assert app.focused is log.query_one(DataTable)  # Enter goes back to the rows

        # Case-sensitive, as CloudWatch Logs: nothing says "accepted".
        await type_filter(pilot, log, "accepted")
        await wait_until(pilot, lambda: log.last_data.get("sent") == "accepted", "lowercase")
        assert messages(log) == []

        # An address needs double quotes: the service refuses it bare, and the pane says so.
        attacker = app.session.facts["attacker_ip"]
        await type_filter(pilot, log, attacker)
        await wait_until(pilot, lambda: log.has_class("error"), "the refusal")
        assert "Invalid character(s) in term" in status(log)
        await type_filter(pilot, log, f'"{attacker}" -Accepted')
        await wait_until(pilot, lambda: not log.has_class("error") and log.last_data.get(
            "sent") == f'"{attacker}" -Accepted', "the quoted address")
        assert messages(log) and all(attacker in m and "Accepted" not in m
                                     for m in messages(log))

        await pilot.press("escape")  # clears; the pane reads every event again
        await wait_until(pilot, lambda: log.last_data.get("sent") == "", "every event")
        await wait_for_workers(app)
        assert messages(log) == everything
        assert log.filter_text == "" and log.query_one(Input).value == ""
        assert not footer_offers(app, "Clear filter")
        assert app.unexpected_errors == []


async def test_the_rule_pane_filters_its_rows_as_typed(tmp_path, frozen_ec2):
    app = lab(tmp_path, frozen_ec2)
    async with app.run_test(size=STACKED) as pilot:
        groups = await open_panes(pilot, "close-ssh", "security-group")
        assert len(messages(groups)) == 2  # HTTP and SSH
        await type_filter(pilot, groups, "22-2", enter=False)  # no Enter: as typed
        rows = groups.last_data["rows"]
        shown = [row.key.value for row in groups.query_one(DataTable).ordered_rows]
        assert [item["FromPort"] for key, _, item in rows if key in shown] == [22]
        assert "1 of 2 rows" in status(groups)
        await type_filter(pilot, groups, "SSH", enter=False)  # any case: the description
        assert len(groups.query_one(DataTable).ordered_rows) == 1
        await type_filter(pilot, groups, "no such rule", enter=False)
        assert groups.query_one(DataTable).row_count == 0
        await pilot.press("escape")  # the focus is still in the bar: Escape clears
        await pilot.pause()
        assert groups.query_one(DataTable).row_count == 2


async def test_a_row_action_asks_once_and_sends_the_rows_own_values(tmp_path, frozen_ec2):
    app = lab(tmp_path, frozen_ec2)
    async with app.run_test(size=STACKED) as pilot:
        acl = await open_panes(pilot, "block-attacker", "network-acl")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question")
        body = app.screen.body  # the declared question, the account, the AWS CLI line
        attacker = app.session.facts["attacker_ip"]
        assert body.startswith(f"Add inbound rule 90 denying all traffic from {attacker}/32?")
        assert "aws ec2 create-network-acl-entry" in body and "Account:" in body
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: any(row[1] == "90" for _, row, _ in
                                            acl.last_data["rows"]), "rule 90")
        assert not isinstance(app.screen, ConfirmModal)  # one dialog, not two
        table = acl.query_one(DataTable)
        keys = [key for key, _, _ in acl.last_data["rows"]]
        rule = next(key for key, row, _ in acl.last_data["rows"] if row[1] == "90")
        table.move_cursor(row=keys.index(rule))
        await pilot.pause()
        assert acl.selected()["RuleNumber"] == 90 and acl.selected()["Egress"] is False
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "delete?")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: not any(row[1] == "90" for _, row, _ in
                                                acl.last_data["rows"]), "rule 90 gone")
        # The outbound allow numbered 100 stays: the inbound entry (Egress false) went.
        assert {(row[0], row[1]) for _, row, _ in acl.last_data["rows"]} >= {
            ("outbound", "100"), ("inbound", "100")}
        assert app.unexpected_errors == []


def test_the_filtered_log_pane(snap_compare, tmp_path, frozen_ec2):
    async def filtered(pilot) -> None:
        log = await open_panes(pilot, "check-logins", "auth-log")
        await type_filter(pilot, log, '"Accepted password"')
        await wait_until(pilot, lambda: log.last_data.get("sent") == '"Accepted password"',
                         "the pattern")
        await wait_for_workers(pilot.app)
        await pilot.pause()

    assert snap_compare(lab(tmp_path, frozen_ec2), terminal_size=STACKED, run_before=filtered)
