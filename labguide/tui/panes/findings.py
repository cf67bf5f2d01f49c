"""GuardDuty findings: a table, a filter bar on finding fields, the selected finding's details.

The details put resource.accessKeyDetails first (userName is the role,
principalId its unique id and the session name) and say plainly that
iamInstanceProfile is the instance profile, not the role: the workshop page
got that wrong and participants copied the wrong value.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Select, Static

from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes import gd
from labguide.tui.panes.base import Col, Pane, PaneTable, sync_table

# Finding criteria fields the filter bar offers: (GuardDuty field, label, reader).
FILTER_FIELDS: list[tuple[str, str, Any]] = [
    ("resource.accessKeyDetails.accessKeyId", "Access key ID",
     lambda f: gd.access_key_details(f).get("AccessKeyId")),
    ("resource.accessKeyDetails.userName", "User name",
     lambda f: gd.access_key_details(f).get("UserName")),
    ("resource.accessKeyDetails.principalId", "Principal ID",
     lambda f: gd.access_key_details(f).get("PrincipalId")),
    ("type", "Finding type", lambda f: f.get("Type")),
    ("service.action.awsApiCallAction.api", "API called", lambda f: gd.api_call(f).get("Api")),
    ("resource.instanceDetails.instanceId", "Instance ID",
     lambda f: gd.instance_details(f).get("InstanceId")),
]
_READERS = {field: reader for field, _, reader in FILTER_FIELDS}


def matches(finding: dict, field: str, value: str) -> bool:
    """GuardDuty's Eq on one field, as the console's filter applies it."""
    if not value.strip():
        return True
    return str(_READERS[field](finding) or "").strip() == value.strip()


def finding_detail(finding: dict) -> Text:
    text = Text()
    text.append(f"{finding.get('Title', '')}\n", style="bold")
    text.append(f"Type      {finding.get('Type', '')}\n")
    service = finding.get("Service", {})
    text.append(f"Severity  {finding.get('Severity', '')}   Count {service.get('Count', '')}\n")
    text.append(f"First seen {gd.short_time(service.get('EventFirstSeen'))}   "
                f"last seen {gd.short_time(service.get('EventLastSeen'))}\n\n")
    keys = gd.access_key_details(finding)
    if keys:
        text.append("resource.accessKeyDetails  (who used the key)\n", style="bold reverse")
        for label, name in (("accessKeyId", "AccessKeyId"), ("principalId", "PrincipalId"),
                            ("userType", "UserType"), ("userName", "UserName")):
            style = "bold" if name in ("UserName", "PrincipalId") else ""
            text.append(f"  {label:<12} ", style="bold")
            text.append(f"{keys.get(name, '')}\n", style=style)
        principal = str(keys.get("PrincipalId", ""))
        if ":" in principal:
            unique, session = principal.split(":", 1)
            text.append(f"  → role unique id {unique}, session name {session}\n", style="italic")
        text.append("  → userName is the role whose session was stolen.\n", style="italic")
    instance = gd.instance_details(finding)
    profile = instance.get("IamInstanceProfile") or {}
    if instance:
        text.append("\nresource.instanceDetails\n", style="bold")
        text.append(f"  instanceId   {instance.get('InstanceId', '')}\n")
        if profile:
            text.append(f"  iamInstanceProfile.arn {profile.get('Arn', '')}\n")
            text.append(f"  iamInstanceProfile.id  {profile.get('Id', '')}\n")
            text.append("  ⚠ This is the instance PROFILE, not the role: revoke the role "
                        "named in userName.\n", style="italic")
    connection = gd.network_connection(finding)
    if connection:
        remote = connection.get("RemoteIpDetails", {})
        local = connection.get("LocalPortDetails", {})
        text.append("\nservice.action.networkConnectionAction\n", style="bold")
        text.append(f"  direction {connection.get('ConnectionDirection', '')}"
                    f"  ({service.get('ResourceRole', '')})"
                    f"  protocol {connection.get('Protocol', '')}\n")
        text.append(f"  local port {local.get('Port', '')} {local.get('PortName', '')}\n")
        text.append(f"  remote {remote.get('IpAddressV4', '')} port "
                    f"{connection.get('RemotePortDetails', {}).get('Port', '')}"
                    f" {remote.get('Organization', {}).get('Org', '')}\n")
    call = gd.api_call(finding)
    if call:
        remote = call.get("RemoteIpDetails", {})
        text.append("\nservice.action.awsApiCallAction\n", style="bold")
        text.append(f"  api {call.get('Api', '')} ({call.get('ServiceName', '')})")
        if call.get("ErrorCode"):
            text.append(f"  error {call['ErrorCode']}")
        text.append(f"\n  from {remote.get('IpAddressV4', '')}"
                    f" {remote.get('Organization', {}).get('Org', '')}\n")
    lists = [d.get("ThreatListName", "") for d in
             service.get("Evidence", {}).get("ThreatIntelligenceDetails", [])]
    if lists:
        text.append(f"  threat list {', '.join(lists)}\n")
    return text


class FindingsPane(Pane):
    name_ = "findings"
    title = PANE_TITLES["findings"]
    follows_round = True  # the round's findings read is this pane's
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("s", "save_filter", "Save filter"),
        Binding("y", "copy_key", "Copy key id"),
        Binding("u", "copy_user", "Copy userName", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.detector: str | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="findings-filter-bar"):
            yield Select(
                [(label, field) for field, label, _ in FILTER_FIELDS],
                value=FILTER_FIELDS[0][0], allow_blank=False, id="findings-field", compact=True,
            )
            yield Input(placeholder="/ filter value, e.g. ASIA…, Enter applies",
                        id="findings-value", compact=True)
        # The long type last: it is cut (…) in a narrow pane (the details below show it
        # whole); the key, count and time stay on screen.
        yield PaneTable([Col("key", "Access key", 20), Col("count", "Count", 5),
                         Col("last", "Last seen", 8, 19),
                         Col("type", "Type", 12, 80, flex=True)], id="findings-table")
        with VerticalScroll(classes="detail", id="findings-detail-scroll"):
            yield Static("Select a finding to see its details.", id="findings-detail")

    @property
    def filter_field(self) -> str:
        return str(self.query_one("#findings-field", Select).value)

    @property
    def filter_value(self) -> str:
        return self.query_one("#findings-value", Input).value.strip()

    def fetch(self, target: Any) -> Any:
        return self.read_findings(target).as_pair

    def visible(self) -> list[dict]:
        if not self.last_data:
            return []
        field, value = self.filter_field, self.filter_value
        return [f for f in self.last_data[1] if matches(f, field, value)]

    def show(self, data: Any) -> None:
        self.detector = data[0]
        self._refresh_table()

    def _refresh_table(self) -> None:
        if self.last_data is None:
            return
        rows = []
        today = self.today()
        for finding in self.visible():
            rows.append((finding["Id"], [
                Text(str(gd.access_key_details(finding).get("AccessKeyId", "—"))),
                Text(str(finding.get("Service", {}).get("Count", ""))),
                Text(gd.short_time(finding.get("Service", {}).get("EventLastSeen"), today)),
                Text(finding.get("Type", "")),
            ]))
        sync_table(self.query_one(DataTable), rows)
        total = len(self.last_data[1])
        if self.detector is None:
            self.set_status("GuardDuty has no detector in this region.", error=True)
        elif self.filter_value:
            self.set_status(Text(f"{len(rows)} of {total} findings match "
                                 f"{self.filter_field} = {self.filter_value}"))
        elif not total:
            self.set_status("No findings yet.")
        self._show_selected()

    def selected(self) -> dict | None:
        table = self.query_one(DataTable)
        if table.row_count == 0 or not self.last_data:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((f for f in self.last_data[1] if f.get("Id") == key), None)

    def _show_selected(self) -> None:
        finding = self.selected()
        detail = self.query_one("#findings-detail", Static)
        detail.update(finding_detail(finding) if finding else
                      "Select a finding to see its details.")

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "findings-value":
            event.stop()
            self._refresh_table()
            self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "findings-value":
            self._refresh_table()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self._refresh_table()

    def action_focus_filter(self) -> None:
        self.query_one("#findings-value", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#findings-value", Input).value = ""
        self._refresh_table()

    def action_copy_key(self) -> None:
        finding = self.selected()
        self.copy_value(gd.access_key_details(finding).get("AccessKeyId") if finding else None,
                        "access key id")

    def action_copy_user(self) -> None:
        finding = self.selected()
        self.copy_value(gd.access_key_details(finding).get("UserName") if finding else None,
                        "userName")

    def action_save_filter(self) -> None:
        if not self.filter_value:
            self.notify("Type a value in the filter bar first (press /).", severity="warning")
            self.action_focus_filter()
            return
        detector = self.detector or self.fact("detector_id")
        if not detector:
            self.notify("No GuardDuty detector known yet.", severity="error")
            return
        from labguide.tui.pane_actions import save_filter_action

        field, value = self.filter_field, self.filter_value

        def saved(name: str | None) -> None:
            if name:
                action = save_filter_action(detector, name, field, value)
                self.run_action(action)

        from labguide.tui.screens.modals import PromptModal

        self.app.push_screen(
            PromptModal("Save the current filter as a GuardDuty filter",
                        f"Criterion: {field} Eq {value}", "Filter name",
                        default="stolen-key"),
            saved,
        )
