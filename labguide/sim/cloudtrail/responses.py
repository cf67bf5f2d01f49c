"""LookupEvents, added to moto's CloudTrailResponse (moto answers every other CloudTrail call)."""

from __future__ import annotations

import json
from typing import Any

from labguide.sim.cloudtrail.models import event_history_backends


def lookup_events(self: Any) -> str:
    backend = event_history_backends[self.current_account][self.region]
    entries, token = backend.lookup_events(
        self._get_param("LookupAttributes"), self._get_param("StartTime"),
        self._get_param("EndTime"), self._get_param("EventCategory"),
        self._get_param("MaxResults"), self._get_param("NextToken"),
    )
    events = [{**entry, "EventTime": entry["EventTime"].timestamp()} for entry in entries]
    answer: dict[str, Any] = {"Events": events}
    if token:
        answer["NextToken"] = token
    return json.dumps(answer)
