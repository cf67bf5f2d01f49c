"""GuardDuty's REST-JSON handlers for the operations moto lacks.

moto dispatches by operation name (found from method and path through botocore's
router) to the snake_case method of this class; moto's own handlers (detectors,
filters) are inherited and read the same backend.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from moto.guardduty.responses import GuardDutyResponse

from labguide.sim.guardduty.exceptions import BadRequestException
from labguide.sim.guardduty.models import SimGuardDutyBackend, guardduty_backends

_DETECTOR = re.compile(r"/detector/(?P<detector>[^/]+)")
_THREAT_INTEL_SET = re.compile(r"/threatintelset/(?P<set>[^/]+)$")


class SimGuardDutyResponse(GuardDutyResponse):
    """moto's GuardDutyResponse plus findings, threat intel sets and ListFilters."""

    @property
    def guardduty_backend(self) -> SimGuardDutyBackend:  # type: ignore[override]
        return guardduty_backends[self.current_account][self.region]

    # ----- request helpers -----------------------------------------------------------------

    def _json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            body = json.loads(self.body)
        except ValueError:
            raise BadRequestException("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise BadRequestException("The request body must be a JSON object.")
        return body

    def _detector_id(self) -> str:
        match = _DETECTOR.search(self.path)
        if not match:
            raise BadRequestException("The request has no detector id.")
        return unquote(match.group("detector"))

    def _threat_intel_set_id(self) -> str:
        match = _THREAT_INTEL_SET.search(self.path)
        if not match:
            raise BadRequestException("The request has no threat intel set id.")
        return unquote(match.group("set"))

    def _query(self, name: str) -> str | None:
        values = self.querystring.get(name)
        return values[0] if isinstance(values, list) and values else None

    @staticmethod
    def _paged(key: str, items: list[str], token: str | None) -> str:
        body: dict[str, Any] = {key: items}
        if token:
            body["nextToken"] = token
        return json.dumps(body)

    # ----- findings ------------------------------------------------------------------------

    def list_findings(self) -> str:
        body = self._json()
        ids, token = self.guardduty_backend.list_findings(
            self._detector_id(), body.get("findingCriteria"), body.get("sortCriteria"),
            body.get("maxResults"), body.get("nextToken"),
        )
        return self._paged("findingIds", ids, token)

    def get_findings(self) -> str:
        body = self._json()
        findings = self.guardduty_backend.get_findings(
            self._detector_id(), body.get("findingIds") or [], body.get("sortCriteria")
        )
        return json.dumps({"findings": findings})

    def archive_findings(self) -> str:
        self.guardduty_backend.archive_findings(self._detector_id(), self._json().get("findingIds"))
        return "{}"

    def unarchive_findings(self) -> str:
        self.guardduty_backend.unarchive_findings(
            self._detector_id(), self._json().get("findingIds")
        )
        return "{}"

    def get_findings_statistics(self) -> str:
        body = self._json()
        statistics = self.guardduty_backend.get_findings_statistics(
            self._detector_id(), body.get("findingStatisticTypes"),
            body.get("findingCriteria"), body.get("groupBy"),
        )
        return json.dumps({"findingStatistics": statistics})

    # ----- filters -------------------------------------------------------------------------

    def list_filters(self) -> str:
        names, token = self.guardduty_backend.list_filters(
            self._detector_id(), self._query("maxResults"), self._query("nextToken")
        )
        return self._paged("filterNames", names, token)

    # ----- threat intel sets ---------------------------------------------------------------

    def create_threat_intel_set(self) -> str:
        body = self._json()
        set_id = self.guardduty_backend.create_threat_intel_set(
            self._detector_id(), body.get("name"), body.get("format"), body.get("location"),
            bool(body.get("activate")), body.get("tags"), body.get("expectedBucketOwner"),
        )
        return json.dumps({"threatIntelSetId": set_id})

    def get_threat_intel_set(self) -> str:
        intel = self.guardduty_backend.get_threat_intel_set(
            self._detector_id(), self._threat_intel_set_id()
        )
        return json.dumps(intel.to_json())

    def list_threat_intel_sets(self) -> str:
        ids, token = self.guardduty_backend.list_threat_intel_sets(
            self._detector_id(), self._query("maxResults"), self._query("nextToken")
        )
        return self._paged("threatIntelSetIds", ids, token)

    def update_threat_intel_set(self) -> str:
        body = self._json()
        self.guardduty_backend.update_threat_intel_set(
            self._detector_id(), self._threat_intel_set_id(), body.get("name"),
            body.get("location"), body.get("activate"), body.get("expectedBucketOwner"),
        )
        return "{}"

    def delete_threat_intel_set(self) -> str:
        self.guardduty_backend.delete_threat_intel_set(
            self._detector_id(), self._threat_intel_set_id()
        )
        return "{}"
