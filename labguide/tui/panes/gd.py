"""Reading GuardDuty findings' fields, for the alerts and findings panes (the findings
themselves come from labguide.lab.feed: one read per refresh)."""

from __future__ import annotations

from datetime import date
from typing import Any


def access_key_details(finding: dict) -> dict:
    return finding.get("Resource", {}).get("AccessKeyDetails", {}) or {}


def instance_details(finding: dict) -> dict:
    return finding.get("Resource", {}).get("InstanceDetails", {}) or {}


def network_connection(finding: dict) -> dict:
    """service.action.networkConnectionAction (SSH brute force, threat-list callers)."""
    return finding.get("Service", {}).get("Action", {}).get("NetworkConnectionAction") or {}


def api_call(finding: dict) -> dict:
    return finding.get("Service", {}).get("Action", {}).get("AwsApiCallAction", {}) or {}


def short_time(value: Any, today: date | None = None) -> str:
    """`2026-01-02T03:04:05.000Z` -> `2026-01-02 03:04:05`, or `03:04:05` on `today`."""
    text = str(value or "").replace("T", " ").split(".")[0].rstrip("Z")
    if today is not None and text.startswith(f"{today.isoformat()} "):
        return text[len("2026-01-02 "):]
    return text
