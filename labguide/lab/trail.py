"""The account's CloudTrail event history, filtered as the CloudTrail pane asks: by access
key, event name and source IP address, through LookupEvents (a read: labguide.readops).

LookupEvents takes one lookup attribute per call (AccessKeyId, EventName, ... but no
source address), so the access key (else the event name) is asked of CloudTrail and the
rest is filtered here, on each event's record (CloudTrailEvent). IAM is a global service
whose events event history keeps in us-east-1 (CloudTrail's "global service events"), so
a lab in another region reads both. Bounded: at most MAX_PAGES pages of 50 per region.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GLOBAL_REGION = "us-east-1"
PAGE = 50  # LookupEvents' largest MaxResults
MAX_PAGES = 5  # per region and poll: 250 events; the newest are the ones a learner reads


@dataclass(frozen=True)
class EventFilter:
    """What the learner typed; empty fields match everything (exact, as the console's)."""

    access_key: str = ""
    event_name: str = ""
    source_ip: str = ""

    def lookup_attributes(self) -> list[dict[str, str]]:
        """The one attribute CloudTrail is asked to filter on."""
        if self.access_key:
            return [{"AttributeKey": "AccessKeyId", "AttributeValue": self.access_key}]
        if self.event_name:
            return [{"AttributeKey": "EventName", "AttributeValue": self.event_name}]
        return []

    def matches(self, event: dict[str, Any]) -> bool:
        record = event_record(event)
        return ((not self.access_key or event.get("AccessKeyId") == self.access_key
                 or record.get("userIdentity", {}).get("accessKeyId") == self.access_key)
                and (not self.event_name or event.get("EventName") == self.event_name)
                and (not self.source_ip or record.get("sourceIPAddress") == self.source_ip))

    def describe(self) -> str:
        parts = [f"{label} {value}" for label, value in (
            ("access key", self.access_key), ("event", self.event_name),
            ("source IP", self.source_ip)) if value]
        return ", ".join(parts)


@dataclass(frozen=True)
class TrailRead:
    """The events matching a filter, newest first, each with the region it was read in."""

    events: list[dict[str, Any]] = field(default_factory=list)
    regions: tuple[str, ...] = ()
    scanned: int = 0  # events CloudTrail returned before the local filter
    complete: bool = True  # False: a filtered read left older pages unread (MAX_PAGES)


def event_record(event: dict[str, Any]) -> dict[str, Any]:
    """The event's full record (the CloudTrailEvent JSON text), {} if absent or not JSON."""
    cached = event.get("_record")
    if cached is not None:
        return cached
    try:
        record = json.loads(event.get("CloudTrailEvent") or "{}")
    except ValueError:
        record = {}
    return record if isinstance(record, dict) else {}


def regions_for(region: str) -> tuple[str, ...]:
    return (region,) if region == GLOBAL_REGION else (region, GLOBAL_REGION)


def read_events(target: Any, wanted: EventFilter) -> TrailRead:
    """The newest events of the lab's region (and us-east-1) matching `wanted`."""
    regions = regions_for(target.region)
    found: list[dict[str, Any]] = []
    scanned, complete = 0, True
    for region in regions:
        params: dict[str, Any] = {"MaxResults": PAGE}
        attributes = wanted.lookup_attributes()
        if attributes:
            params["LookupAttributes"] = attributes
        # Unfiltered, the newest page is what is shown; filtered, older pages may hold
        # matches (LookupEvents allows 2 calls a second: no more pages than needed).
        for _ in range(MAX_PAGES if wanted != EventFilter() else 1):
            page = target.call("cloudtrail", "LookupEvents", region=region, **params)
            for event in page.get("Events", []):
                scanned += 1
                event = dict(event, Region=region)
                event["_record"] = event_record(event)
                if wanted.matches(event):
                    found.append(event)
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
        else:
            complete = wanted == EventFilter()  # unfiltered: the newest page is the view
    found.sort(key=lambda e: _when(e.get("EventTime")), reverse=True)
    return TrailRead(found, regions, scanned, complete)


def _when(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else 0.0


def pretty_record(event: dict[str, Any]) -> str:
    """The event's record as indented JSON (what the console's event view shows)."""
    record = event_record(event)
    if not record:
        return str(event.get("CloudTrailEvent") or "{}")
    return json.dumps(record, indent=2, sort_keys=False, default=str)
