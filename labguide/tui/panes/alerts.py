"""The e-mail alerts the workshop's EventBridge rule sends for GuardDuty findings.

Each finding becomes the e-mail a participant would get: finding type,
account, region, description, and for IAM findings the access key id and user
type (the e-mail names no user: finding the role is the next steps' work).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes import gd
from labguide.tui.panes.base import Col, Pane, PaneTable, sync_table


def email_lines(finding: dict) -> list[tuple[str, str]]:
    """The alert e-mail's lines as (label, value)."""
    lines = [
        ("Amazon GuardDuty Finding", finding.get("Type", "")),
        ("Account", finding.get("AccountId", "")),
        ("Region", finding.get("Region", "")),
        ("Description", finding.get("Description") or finding.get("Title", "")),
    ]
    keys = gd.access_key_details(finding)
    if finding.get("Resource", {}).get("ResourceType") == "AccessKey" or keys:
        lines.append(("Access Key ID", keys.get("AccessKeyId", "")))
        lines.append(("User Type", keys.get("UserType", "")))
    else:
        lines.append(("Instance ID", gd.instance_details(finding).get("InstanceId", "")))
    return lines


class AlertsPane(Pane):
    name_ = "alerts"
    title = PANE_TITLES["alerts"]
    follows_round = True  # the round's findings read is this pane's
    BINDINGS = [
        Binding("y", "copy_key", "Copy key id"),
        Binding("Y", "copy_type", "Copy type", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        # The subject last: it is cut (…) in a narrow pane, the time stays whole.
        yield PaneTable([Col("n", "#", 2, 4), Col("received", "Received", 8, 19),
                         Col("subject", "Subject", 20, 100, flex=True)], id="alerts-table")
        with VerticalScroll(id="alerts-body-scroll", classes="detail"):
            yield Static("Select an e-mail to read it.", id="alerts-body")

    def fetch(self, target: Any) -> Any:
        return list(self.read_findings(target).findings)

    def show(self, findings: list[dict]) -> None:
        table = self.query_one(DataTable)
        # Numbered by arrival, listed newest first as an inbox shows them.
        ordered = sorted(findings, key=lambda f: (str(f.get("CreatedAt", "")), f.get("Type", "")))
        rows = []
        today = self.today()
        for n, finding in reversed(list(enumerate(ordered, 1))):
            subject = Text(f"GuardDuty finding: {finding.get('Type', '')}")
            rows.append((finding["Id"], [Text(str(n)),
                                         Text(gd.short_time(finding.get("CreatedAt"), today)),
                                         subject]))
        sync_table(table, rows)
        if not findings:
            self.set_status("No alerts yet: the attacker's calls take a moment to show up.")
        self._show_selected()

    def selected(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.last_data or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((f for f in self.last_data if f.get("Id") == key), None)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        finding = self.selected()
        body = self.query_one("#alerts-body", Static)
        if finding is None:
            body.update("Select an e-mail to read it.")
            return
        text = Text()
        text.append("From: AWS Notifications <no-reply@sns.amazonaws.com>\n", style="dim")
        text.append(f"Subject: GuardDuty finding: {finding.get('Type', '')}\n\n", style="bold")
        for label, value in email_lines(finding):
            text.append(f"{label} : ", style="bold")
            text.append(f"{value}\n")
        body.update(text)

    def action_copy_key(self) -> None:
        finding = self.selected()
        key = gd.access_key_details(finding).get("AccessKeyId") if finding else None
        self.copy_value(key, "access key id")

    def action_copy_type(self) -> None:
        finding = self.selected()
        self.copy_value(finding.get("Type") if finding else None, "finding type")
