"""The IAM role behind the stolen key: its policies, its revocation, and the revoke action."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes.base import Pane

REVOKE_ACK = (
    "I acknowledge that I am revoking all active sessions for this role, and that "
    "applications using its current credentials (the instance's too) will stop working."
)


def _doc(value: Any) -> dict:
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value or {}


def revocation_time(document: dict) -> str | None:
    """The aws:TokenIssueTime of a deny-everything DateLessThan statement, if the policy is one."""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") != "Deny" or "*" not in actions:
            continue
        condition = statement.get("Condition", {}).get("DateLessThan", {})
        for key, value in condition.items():
            if key.lower() == "aws:tokenissuetime":
                return value if isinstance(value, str) else ", ".join(value)
    return None


class RolePane(Pane):
    name_ = "role"
    title = PANE_TITLES["role"]
    BINDINGS = [
        Binding("r", "revoke", "Revoke sessions"),
        Binding("y", "copy_arn", "Copy role ARN"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="detail"):
            yield Static("", id="role-detail")

    def role_name(self) -> str | None:
        return self.fact("role_name")

    def fetch(self, target: Any) -> Any:
        name = self.role_name()
        if not name:
            return None
        role = target.call("iam", "GetRole", RoleName=name)["Role"]
        inline = []
        for policy_name in target.call("iam", "ListRolePolicies", RoleName=name)["PolicyNames"]:
            doc = target.call("iam", "GetRolePolicy", RoleName=name, PolicyName=policy_name)
            inline.append((policy_name, _doc(doc["PolicyDocument"])))
        attached = target.call("iam", "ListAttachedRolePolicies", RoleName=name)
        return role, inline, [p["PolicyName"] for p in attached["AttachedPolicies"]]

    def show(self, data: Any) -> None:
        detail = self.query_one("#role-detail", Static)
        if data is None:
            detail.update(Text("The role is not known yet: it is named in the findings "
                               "(resource.accessKeyDetails.userName)."))
            return
        role, inline, attached = data
        text = Text()
        text.append(f"{role['RoleName']}\n", style="bold")
        text.append(f"ARN      {role['Arn']}\nRole id  {role['RoleId']}\n\n")
        text.append("Managed policies\n", style="bold")
        for name in attached or ["(none)"]:
            text.append(f"  • {name}\n")
        text.append("Inline policies\n", style="bold")
        revoked: list[str] = []
        for name, doc in inline:
            when = revocation_time(doc)
            text.append(f"  • {name}")
            if when:
                revoked.append(when)
                text.append(f"  (denies everything to sessions issued before {when})",
                            style="bold")
            text.append("\n")
        if not inline:
            text.append("  (none)\n")
        text.append("\nSessions: ", style="bold")
        if revoked:
            text.append(f"✓ revoked — sessions issued before {max(revoked)} are denied.\n")
        else:
            text.append("not revoked — every session of this role still works.\n")
        if self.offers("revoke"):  # after a revocation, r revokes again up to a new moment
            text.append("\nr revokes again (sessions issued before the new moment), e.g. "
                        "after another theft." if revoked else
                        "\nPress r to revoke the role's active sessions.", style="dim")
        detail.update(text)

    def action_copy_arn(self) -> None:
        data = self.last_data
        self.copy_value(data[0]["Arn"] if data else self.fact("role_arn"), "role ARN")

    def action_revoke(self) -> None:
        name = self.role_name()
        if not name:
            self.notify("The role is not known yet: identify it from the findings first.",
                        severity="warning")
            return
        from labguide.tui.pane_actions import revoke_sessions_action

        self.run_action(revoke_sessions_action(name, self.session.connection.account_now),
                        acknowledge=REVOKE_ACK)
