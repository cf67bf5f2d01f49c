"""Each live pane's title, apart from the panes themselves: the lab screen's first frame
names the panes before their modules (tables, workers, boto3 helpers) are imported."""

from __future__ import annotations

PANE_TITLES: dict[str, str] = {
    "alerts": "E-mail alerts",
    "findings": "GuardDuty findings",
    "role": "IAM role",
    "instance": "EC2 instance",
    "shell": "Instance shell",
    "attacker": "Attacker",
}
