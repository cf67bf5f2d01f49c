"""GuardDuty reads shared by the alerts and findings panes (worker threads only)."""

from __future__ import annotations

from datetime import date
from typing import Any


def detector_id(target: Any) -> str | None:
    ids = target.call("guardduty", "ListDetectors").get("DetectorIds", [])
    return ids[0] if ids else None


def all_findings(target: Any, limit: int = 200) -> tuple[str | None, list[dict]]:
    """(detector id, findings newest first) of the region's detector."""
    detector = detector_id(target)
    if detector is None:
        return None, []
    ids: list[str] = []
    token = None
    while len(ids) < limit:
        params: dict[str, Any] = {"DetectorId": detector, "MaxResults": 50}
        if token:
            params["NextToken"] = token
        page = target.call("guardduty", "ListFindings", **params)
        ids.extend(page.get("FindingIds", []))
        token = page.get("NextToken")
        if not token:
            break
    findings: list[dict] = []
    for start in range(0, len(ids), 50):
        chunk = ids[start:start + 50]
        findings.extend(
            target.call("guardduty", "GetFindings", DetectorId=detector, FindingIds=chunk)
            .get("Findings", [])
        )
    findings.sort(key=lambda f: (str(f.get("UpdatedAt", "")), f.get("Type", "")), reverse=True)
    return detector, findings


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
