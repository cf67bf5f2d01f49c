"""One read of the region's GuardDuty findings, newest first: the read the app's alerts and
findings panes and its check round share (labguide.lab.feed hands out one per refresh).
A check given this read picks its finding from it instead of asking GuardDuty again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labguide.target import Target

LIMIT = 200  # the newest this many; a check that finds nothing of its type in a full
# read asks GuardDuty for its type alone (a busy real account)
PAGE = 50  # GuardDuty's MaxResults for ListFindings and GetFindings


@dataclass(frozen=True)
class FindingsRead:
    detector: str | None  # None: GuardDuty is not enabled in the region
    findings: tuple[dict, ...]  # newest (UpdatedAt) first
    complete: bool  # every finding of the detector is in `findings`

    @property
    def as_pair(self) -> tuple[str | None, list[dict]]:
        return self.detector, list(self.findings)


def read_findings(target: Target, limit: int = LIMIT) -> FindingsRead:
    """ListDetectors, then the newest `limit` findings (ListFindings sorted by updatedAt,
    GetFindings in pages)."""
    ids = target.call("guardduty", "ListDetectors").get("DetectorIds", [])
    if not ids:
        return FindingsRead(None, (), True)
    detector = ids[0]
    finding_ids: list[str] = []
    token = None
    complete = True
    while True:
        params: dict[str, Any] = {
            "DetectorId": detector, "MaxResults": PAGE,
            "SortCriteria": {"AttributeName": "updatedAt", "OrderBy": "DESC"}}
        if token:
            params["NextToken"] = token
        page = target.call("guardduty", "ListFindings", **params)
        finding_ids.extend(page.get("FindingIds", []))
        token = page.get("NextToken")
        if not token:
            break
        if len(finding_ids) >= limit:
            complete = False
            break
    findings: list[dict] = []
    for start in range(0, min(len(finding_ids), limit), PAGE):
        chunk = finding_ids[start:min(start + PAGE, limit)]
        findings.extend(target.call("guardduty", "GetFindings", DetectorId=detector,
                                    FindingIds=chunk).get("Findings", []))
    findings.sort(key=lambda f: (str(f.get("UpdatedAt", "")), f.get("Type", "")), reverse=True)
    return FindingsRead(detector, tuple(findings), complete and len(finding_ids) <= limit)
