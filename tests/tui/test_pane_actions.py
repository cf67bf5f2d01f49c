"""What a pane action shows before it runs is a real command."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from labguide.tui.pane_actions import revoke_sessions_action

ROLE = "threat-detection-wksp-compromised-ec2"


def test_the_revoke_preview_is_a_dated_command_and_the_run_takes_the_account_time():
    account_time = datetime(2026, 3, 1, 9, 45, 12, tzinfo=UTC)
    planned = revoke_sessions_action(ROLE, lambda _target: account_time)
    assert "NOW" not in planned.cli
    shown = re.search(r'aws:TokenIssueTime\\?"\s*:\s*\\?"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)',
                      planned.cli)
    assert shown, planned.cli
    assert abs((datetime.fromisoformat(shown.group(1)) - datetime.now(UTC)).total_seconds()) < 60
    assert "the moment you confirm" in planned.describe()
    run = planned.build(None)  # at confirmation: the account's own time
    assert "2026-03-01T09:45:12Z" in run.cli
