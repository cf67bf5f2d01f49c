"""The CloudTrail pane (issue 11.6): the account's event history filtered by access key,
event name and source IP, the selected event's record as JSON, offered where the learner
needs it, and read only while it is on screen."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Static, TabbedContent

from labguide.scenario import load_scenario
from labguide.tui.panes.cloudtrail import CloudTrailPane
from tests.tui.helpers import frozen_lab_app, lab_ready, wait_until


def test_it_is_offered_on_identify_principal_and_the_reviews():
    iam = load_scenario("compromised-iam-credentials").scenario
    assert "cloudtrail" in iam.step("identify-principal").panes
    assert "cloudtrail" in iam.step("review").panes
    ec2 = load_scenario("compromised-ec2-instance").scenario
    assert "cloudtrail" in ec2.step("review").panes


async def show_pane(pilot, app) -> CloudTrailPane:
    app.screen.open_step("identify-principal")
    await pilot.pause(0.3)
    app.screen.query_one(TabbedContent).active = "tab-cloudtrail"
    pane = app.screen.query_one(CloudTrailPane)
    await wait_until(pilot, lambda: pane.last_data is not None, "the event history")
    return pane


async def apply(pilot, pane, input_id: str, value: str) -> None:
    for other in ("trail-key", "trail-event", "trail-ip"):
        pane.query_one(f"#{other}", Input).value = ""
    field = pane.query_one(f"#{input_id}", Input)
    field.focus()
    field.value = value
    before = pane.last_data
    await pilot.press("enter")
    await wait_until(pilot, lambda: pane.last_data is not before, "the filtered read")


def shown_events(pane) -> list[dict]:
    table = pane.query_one(DataTable)
    keys = [row.key.value for row in table.ordered_rows]
    by_key = {f"{e['Region']}/{e['EventId']}": e for e in pane.last_data.events}
    return [by_key[k] for k in keys]


async def test_filter_by_key_event_name_and_source_ip_with_the_record(tmp_path, frozen_sim):
    world = frozen_sim.embedded.world
    stolen = world.truth["stolen_access_key_id"]
    attacker_ip = world.truth["attacker_ip"]
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        pane = await show_pane(pilot, app)

        await apply(pilot, pane, "trail-key", stolen)
        events = shown_events(pane)
        assert events, "the attacker's calls with the stolen key"
        assert {e["AccessKeyId"] for e in events} == {stolen}
        assert {e["_record"]["sourceIPAddress"] for e in events} == {attacker_ip}
        names = {e["EventName"] for e in events}
        # IAM's call is kept in us-east-1's event history (global service events): read too
        assert "DeleteAccountPasswordPolicy" in names
        assert {e["Region"] for e in events} == {"ap-southeast-2", "us-east-1"}
        assert "GetObject" not in names  # a data event: not in event history

        # The selected event's whole record, as JSON, below the table.
        table = pane.query_one(DataTable)
        table.focus()
        await pilot.press("down")
        selected = pane.selected()
        detail = str(pane.query_one("#trail-detail", Static).render())
        record = json.loads(detail.split("\n", 1)[1])
        assert record["eventID"] == selected["EventId"]
        assert record["userIdentity"]["accessKeyId"] == stolen
        role = record["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"]
        assert role == world.truth["role_name"]
        await pilot.press("y")
        assert json.loads(app.clipboard)["eventID"] == selected["EventId"]

        await apply(pilot, pane, "trail-event", "DeleteAccountPasswordPolicy")
        events = shown_events(pane)
        assert events and {e["EventName"] for e in events} == {"DeleteAccountPasswordPolicy"}
        assert {e["Region"] for e in events} == {"us-east-1"}

        await apply(pilot, pane, "trail-ip", attacker_ip)
        events = shown_events(pane)
        assert events and {e["_record"]["sourceIPAddress"] for e in events} == {attacker_ip}

        # Negative: another key, another address: nothing of the attacker's.
        await apply(pilot, pane, "trail-key", "ASIAAAAAAAAAAAAAAAAA")
        assert shown_events(pane) == []
        await apply(pilot, pane, "trail-ip", "198.51.100.77")
        assert shown_events(pane) == []
        assert "0 events with source IP 198.51.100.77" in str(
            pane.query_one(".pane-status", Static).render())

        # Esc clears the filter and reads the newest events again.
        pane.query_one(DataTable).focus()
        await pilot.press("escape")
        await wait_until(pilot, lambda: pane.applied.describe() == "", "the filter cleared")


async def test_the_pane_reads_only_while_it_is_shown(tmp_path, frozen_sim):
    looked_up: list[str] = []
    frozen_sim.target.on_event("before-call.cloudtrail.LookupEvents",
                               lambda **_: looked_up.append("x"))
    app = frozen_lab_app(tmp_path, frozen_sim, poll_interval=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        app.screen.open_step("identify-principal")  # its first tab is the findings pane
        await pilot.pause(1.0)
        assert looked_up == []
        app.screen.query_one(TabbedContent).active = "tab-cloudtrail"
        pane = app.screen.query_one(CloudTrailPane)
        await wait_until(pilot, lambda: pane.last_data is not None, "the event history")
        assert looked_up
        app.screen.open_step("revoke-sessions")  # not on this step: hidden
        await pilot.pause(0.5)
        count = len(looked_up)
        await pilot.pause(max(pane.interval, 1) + 1.0)
        assert len(looked_up) == count
