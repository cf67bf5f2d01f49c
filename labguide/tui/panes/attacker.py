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
from textual.widgets import DataTable

from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes import gd
from labguide.tui.panes.base import Col, Pane, PaneTable, sync_table


class AttackerPane(Pane):
    name_ = "attacker"
    title = PANE_TITLES["attacker"]

    def compose_body(self) -> ComposeResult:
        # The result before the call: it is what the learner watches for, and stays on
        # screen in a narrow pane where the call's name is cut.
        yield PaneTable([Col("at", "Time", 8, 19), Col("result", "Result", 9, 24),
                         Col("call", "Call", 12, 40, flex=True)], id="attacker-table")

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
        for call in reversed(calls[-50:]):
            allowed = bool(call.get("allowed"))
            result = (Text("✓ allowed", style="bold") if allowed else
                      Text(f"✗ denied {call.get('error_code') or ''}".strip(), style="bold"))
            at = gd.short_time(call.get("at"), today)
            key = f"{call.get('at')}-{call.get('service')}-{call.get('api')}"
            rows.append((key, [Text(at), result,
                               Text(f"{call.get('service')} {call.get('api')}")]))
        sync_table(self.query_one(DataTable), rows)
        if not calls:
            self.set_status("No attacker calls yet.")
