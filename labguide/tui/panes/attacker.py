"""The simulated attacker's recent calls, allowed or denied (simulator only).

Read from the simulator's own `/moto-api/labguide/attacker` route: this pane
shows the exercise from the attacker's side, which no AWS API can.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes import gd
from labguide.tui.panes.base import Col, Pane, PaneTable, sync_table

# What a denial's error code means for the stolen key (shown under the table when seen,
# and in the help). ExpiredToken: "The security token included in the request is expired"
# (AWS's common errors); AccessDenied: no policy allows the call (implicit deny) or one
# denies it (explicit deny), as IAM's policy evaluation logic describes.
DENIALS = {
    "AccessDenied": "IAM refused the call: the role's policies do not allow it, or a deny "
                    "(such as the revocation's) refuses the stolen session",
    "ExpiredToken": "the stolen temporary credentials are past their expiry time: AWS "
                    "refuses them whatever the policies say",
    "InvalidClientTokenId": "AWS does not know the key at all (deleted, or never valid)",
}
MAX_ROWS = 50


def legend(codes: list[str]) -> Text:
    """One line per denial code seen, saying what it means."""
    text = Text()
    for code in codes:
        if code in DENIALS:
            if text:
                text.append("\n")
            text.append(f"{code}", style="bold")
            text.append(f": {DENIALS[code]}.")
    return text


class AttackerPane(Pane):
    name_ = "attacker"
    title = PANE_TITLES["attacker"]

    def compose_body(self) -> ComposeResult:
        # The result before the call: it is what the learner watches for, and stays on
        # screen in a narrow pane where the call's name is cut.
        yield PaneTable([Col("at", "Time", 8, 19), Col("result", "Result", 9, 24),
                         Col("call", "Call", 12, 40, flex=True)], id="attacker-table")
        yield Static("", id="attacker-legend", classes="pane-legend")

    def fetch(self, target: Any) -> Any:
        if not target.endpoint_url or target.is_real_account:
            return None
        account = target.identity().account_id
        url = f"{target.endpoint_url.rstrip('/')}/moto-api/labguide/attacker?account={account}"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return json.loads(response.read().decode())

    def show(self, data: Any) -> None:
        if data is None:
            self.set_status("The attacker is shown on the simulator only.")
            return
        calls = data.get("calls", data) if isinstance(data, dict) else data
        rows = []
        today = self.today()
        for call in reversed(calls[-MAX_ROWS:]):
            allowed = bool(call.get("allowed"))
            result = (Text("✓ allowed", style="bold") if allowed else
                      Text(f"✗ denied {call.get('error_code') or ''}".strip(), style="bold"))
            at = gd.short_time(call.get("at"), today)
            key = f"{call.get('at')}-{call.get('service')}-{call.get('api')}"
            rows.append((key, [Text(at), result,
                               Text(f"{call.get('service')} {call.get('api')}")]))
        table = self.query_one(DataTable)
        # The newest call is on top. With the cursor there (or no rows yet), the pane follows
        # the newest; a learner reading an older row keeps it, told how many came above.
        following = table.cursor_row <= 0
        sync_table(table, rows)
        if following and table.row_count:
            table.move_cursor(row=0, animate=False)
            table.scroll_to(y=0, animate=False)
        codes = sorted({c.get("error_code") for c in calls[-MAX_ROWS:]
                        if not c.get("allowed") and c.get("error_code")})
        note = self.query_one("#attacker-legend", Static)
        explained = legend(codes)
        note.update(explained)
        note.display = bool(explained.plain)
        if not calls:
            self.set_status("No attacker calls yet.")
        elif not following and table.cursor_row > 0:
            self.set_status(Text.assemble(
                (f"↑ {table.cursor_row} newer call{'s' if table.cursor_row != 1 else ''} "
                 "above", "bold"), " · Home shows the newest"))
