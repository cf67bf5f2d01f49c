"""GuardDuty backend with findings, threat intel sets and filter listing.

`SimGuardDutyBackend` extends moto's backend (detectors, filters, admin accounts
keep working) with what the workshop needs. Findings are produced by
`record_api_call`, which the simulated attacker calls once per API call it makes:
one finding per (finding type, access key), whose count, last-seen time, API and
error code follow the latest call, as GuardDuty aggregates repeated activity.

GuardDuty reports activity some minutes after it happened: a finding is created, and
later updated with new occurrences, by the service's processing, so `createdAt` /
`updatedAt` are later than `service.eventFirstSeen` / `eventLastSeen` ("Created at: the
time and date when this finding was first created"; "Updated at: the last time this
finding was updated with new activity", https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html;
aggregation: https://docs.aws.amazon.com/guardduty/latest/ug/finding-aggregation.html).
The delay is not documented; real findings quoted publicly show 2-15 minutes between the
activity and createdAt/updatedAt. Here every occurrence is published
`PUBLICATION_DELAY` (5 minutes) after it happened, on the account's world clock: until
then the finding (or its update) is not visible to ListFindings/GetFindings.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.base_backend import BackendDict
from moto.guardduty.models import GuardDutyBackend
from moto.utilities.utils import get_partition

from labguide.sim.clock import clock_for, to_utc
from labguide.sim.guardduty.exceptions import BadRequestException
from labguide.sim.guardduty.findings import (
    CriteriaError,
    matches,
    sort_findings,
    validate_criteria,
)

SCHEMA_VERSION = "2.0"
PUBLICATION_DELAY = timedelta(minutes=5)  # activity -> createdAt/updatedAt (see above)
DEFAULT_SEVERITY = 5.0
MAX_PAGE = 50
THREAT_INTEL_FORMATS = ("TXT", "STIX", "OTX_CSV", "ALIEN_VAULT", "PROOF_POINT", "FIRE_EYE")

# Plausible, fixed geolocation records; one is picked per IP so a world is reproducible.
_NETWORKS = (
    {"organization": {"asn": "16509", "asnOrg": "AMAZON-02", "isp": "Amazon.com",
                      "org": "Amazon.com"},
     "country": {"countryCode": "US", "countryName": "United States"},
     "city": {"cityName": "Ashburn"}, "geoLocation": {"lat": 39.0481, "lon": -77.4728}},
    {"organization": {"asn": "14061", "asnOrg": "DIGITALOCEAN-ASN", "isp": "DigitalOcean",
                      "org": "DigitalOcean"},
     "country": {"countryCode": "NL", "countryName": "Netherlands"},
     "city": {"cityName": "Amsterdam"}, "geoLocation": {"lat": 52.3759, "lon": 4.8975}},
    {"organization": {"asn": "24940", "asnOrg": "Hetzner Online GmbH", "isp": "Hetzner Online",
                      "org": "Hetzner Online"},
     "country": {"countryCode": "DE", "countryName": "Germany"},
     "city": {"cityName": "Falkenstein"}, "geoLocation": {"lat": 50.4779, "lon": 12.3713}},
    {"organization": {"asn": "63949", "asnOrg": "Akamai Connected Cloud", "isp": "Linode",
                      "org": "Linode"},
     "country": {"countryCode": "SG", "countryName": "Singapore"},
     "city": {"cityName": "Singapore"}, "geoLocation": {"lat": 1.2897, "lon": 103.8501}},
)


def wire_time(moment: datetime) -> str:
    """GuardDuty's timestamp strings: UTC, millisecond precision, `Z`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def remote_ip_details(ip: str) -> dict[str, Any]:
    """Geolocation of an IP address: fixed per address, so worlds are reproducible."""
    network = _NETWORKS[int(hashlib.sha256(ip.encode()).hexdigest(), 16) % len(_NETWORKS)]
    return {"ipAddressV4": ip, **copy.deepcopy(network)}


def to_wire_keys(value: Any) -> Any:
    """Keys as GuardDuty sends them (camelCase), whether given as `AccessKeyId` or `accessKeyId`."""
    if isinstance(value, Mapping):
        return {(k[:1].lower() + k[1:]): to_wire_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire_keys(v) for v in value]
    return value


def _title_and_description(
    finding_type: str, api: str, ip: str, threat_list: str
) -> tuple[str, str]:
    if finding_type.startswith("Recon:"):
        title = f"Reconnaissance API {api} was invoked from an IP address on a custom threat list."
    else:
        title = f"API {api} was invoked from an IP address on a custom threat list."
    description = (
        f"API {api} was invoked from the IP address {ip}, which is on the custom threat list "
        f"{threat_list}."
    )
    return title, description


def _additional_info(previous: Mapping[str, Any] | None, threat_list_name: str, api: str,
                     when: str) -> dict[str, str]:
    """service.additionalInfo: the threat list and every API call seen, with counts."""
    import json

    known = json.loads(previous["value"]) if previous else {}
    calls = {c["name"]: c for c in known.get("apiCalls", [])}
    entry = calls.get(api)
    if entry is None:
        calls[api] = {"name": api, "count": 1, "firstSeen": when, "lastSeen": when}
    else:
        calls[api] = {**entry, "count": entry["count"] + 1,
                      "lastSeen": max(entry["lastSeen"], when),
                      "firstSeen": min(entry["firstSeen"], when)}
    value = {"threatListName": threat_list_name, "apiCalls": list(calls.values())}
    return {"value": json.dumps(value, separators=(",", ":")), "type": "default"}


class Finding:
    """One finding, held in wire form so criteria and responses read the same JSON.

    Each occurrence GuardDuty records makes a new version of the wire dict (sharing the
    parts that did not change), visible from its publication moment on; a published
    version is never changed, so a reader that took one under the backend's lock holds
    a consistent snapshot without copying it (a deep copy per finding per request was
    ~5% of a busy server's CPU); readers must not change what they get. Archiving is the
    learner's, kept beside the versions so a later occurrence does not undo it."""

    def __init__(self, wire: dict[str, Any], visible_at: datetime):
        self.versions: list[tuple[datetime, dict[str, Any]]] = [(visible_at, wire)]
        self.archived: bool | None = None  # None: as the versions say

    @property
    def newest(self) -> dict[str, Any]:
        """The latest version, published or not (what the next occurrence builds on)."""
        return self.versions[-1][1]

    @property
    def id(self) -> str:
        return self.newest["id"]

    @property
    def detector_id(self) -> str:
        return self.newest["service"]["detectorId"]

    def add(self, wire: dict[str, Any], visible_at: datetime) -> None:
        self.versions.append((visible_at, wire))

    def visible(self, now: datetime) -> dict[str, Any] | None:
        """The version published by `now` (None before the first is); older ones go."""
        now = to_utc(now)
        published = [i for i, (at, _) in enumerate(self.versions) if at <= now]
        if not published:
            return None
        del self.versions[:published[-1]]
        wire = self.versions[0][1]
        if self.archived is not None and wire["service"]["archived"] != self.archived:
            wire = {**wire, "service": {**wire["service"], "archived": self.archived}}
        return wire


class ThreatIntelSet:
    """A custom threat list registered on a detector."""

    def __init__(self, set_id: str, name: str, fmt: str, location: str, activate: bool,
                 tags: dict[str, str], expected_bucket_owner: str | None):
        self.id = set_id
        self.name = name
        self.format = fmt
        self.location = location
        self.status = "ACTIVE" if activate else "INACTIVE"
        self.tags = dict(tags)
        self.expected_bucket_owner = expected_bucket_owner

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "format": self.format,
                                "location": self.location, "status": self.status,
                                "tags": self.tags}
        if self.expected_bucket_owner:
            body["expectedBucketOwner"] = self.expected_bucket_owner
        return body


def page(items: list[Any], max_results: Any, next_token: Any) -> tuple[list[Any], str | None]:
    """One page of `items` and the token of the next (an offset), as GuardDuty pages lists."""
    try:
        size = MAX_PAGE if max_results in (None, "") else int(max_results)
    except (TypeError, ValueError):
        raise BadRequestException(f"maxResults must be an integer, not {max_results!r}") from None
    if not 1 <= size <= MAX_PAGE:
        raise BadRequestException(f"maxResults must be between 1 and {MAX_PAGE}")
    start = 0
    if next_token:
        if not str(next_token).isdigit() or int(next_token) > len(items):
            raise BadRequestException("The nextToken is not valid.")
        start = int(next_token)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


class SimGuardDutyBackend(GuardDutyBackend):
    """moto's GuardDuty backend plus findings, threat intel sets and ListFilters."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.publication_delay = PUBLICATION_DELAY
        self.findings: dict[str, Finding] = {}
        self.threat_intel_sets: dict[str, dict[str, ThreatIntelSet]] = {}
        self.lock = threading.RLock()

    # ----- findings ------------------------------------------------------------------------

    def record_api_call(
        self,
        detector_id: str,
        *,
        finding_type: str,
        access_key_details: Mapping[str, Any],
        instance_details: Mapping[str, Any] | None,
        api: str,
        service_name: str,
        remote_ip: str,
        error_code: str | None,
        threat_list_name: str,
        at: datetime,
        severity: float = DEFAULT_SEVERITY,
        user_agent: str | None = None,
        affected_resources: Mapping[str, str] | None = None,
    ) -> str:
        """Upsert the finding of (type, access key) for one API call; return its id.

        Shaped as GuardDuty writes an API-call finding (botocore's Finding shape; the
        finding format page https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html):
        service.featureName "CloudTrail" (the data source that produced it),
        service.additionalInfo {value: JSON, type: "default"} naming the threat list and
        the API calls seen with their counts, awsApiCallAction.affectedResources (a map,
        empty when the call names no resource), evidence.threatIntelligenceDetails with
        threatNames (empty: a plain IP list names no threats)."""
        self.get_detector(detector_id)
        key_details = to_wire_keys(dict(access_key_details))
        key_id = key_details.get("accessKeyId")
        if not key_id:
            raise ValueError("access_key_details needs an accessKeyId")
        finding_id = hashlib.md5(
            f"{self.account_id}/{detector_id}/{finding_type}/{key_id}".encode()
        ).hexdigest()
        when = wire_time(at)
        title, description = _title_and_description(finding_type, api, remote_ip, threat_list_name)
        call: dict[str, Any] = {"affectedResources": dict(affected_resources or {}), "api": api,
                                "callerType": "Remote IP", "serviceName": service_name,
                                "remoteIpDetails": remote_ip_details(remote_ip)}
        if error_code:
            call["errorCode"] = error_code
        if user_agent:
            call["userAgent"] = user_agent

        def update(published: dict[str, Any]) -> dict[str, Any]:
            service = dict(published["service"])
            service["count"] += 1
            service["action"] = {**service["action"], "awsApiCallAction": call}
            service["additionalInfo"] = _additional_info(
                service.get("additionalInfo"), threat_list_name, api, when)
            service["eventLastSeen"] = max(service["eventLastSeen"], when)
            service["eventFirstSeen"] = min(service["eventFirstSeen"], when)
            return {**published, "service": service, "title": title,
                    "description": description}

        def first() -> dict[str, Any]:
            resource: dict[str, Any] = {
                "resourceType": "Instance" if ":EC2/" in finding_type else "AccessKey",
                "accessKeyDetails": key_details,
            }
            if instance_details:
                resource["instanceDetails"] = to_wire_keys(dict(instance_details))
            partition = get_partition(self.region_name)
            return {
                "accountId": self.account_id,
                "arn": f"arn:{partition}:guardduty:{self.region_name}:{self.account_id}:"
                       f"detector/{detector_id}/finding/{finding_id}",
                "createdAt": None,  # the publication moments: record_occurrence
                "description": description,
                "id": finding_id,
                "partition": partition,
                "region": self.region_name,
                "resource": resource,
                "schemaVersion": SCHEMA_VERSION,
                "service": {
                    "action": {"actionType": "AWS_API_CALL", "awsApiCallAction": call},
                    "additionalInfo": _additional_info(None, threat_list_name, api, when),
                    "evidence": {
                        "threatIntelligenceDetails": [{"threatListName": threat_list_name,
                                                       "threatNames": []}]
                    },
                    "archived": False,
                    "count": 1,
                    "detectorId": detector_id,
                    "eventFirstSeen": when,
                    "eventLastSeen": when,
                    "featureName": "CloudTrail",
                    "resourceRole": "TARGET",
                    "serviceName": "guardduty",
                },
                "severity": float(severity),
                "title": title,
                "type": finding_type,
                "updatedAt": None,
            }

        return self.record_occurrence(finding_id, at, first, update)

    def record_occurrence(self, finding_id: str, at: datetime,
                          first: Callable[[], dict[str, Any]],
                          update: Callable[[dict[str, Any]], dict[str, Any]]) -> str:
        """One occurrence at `at` of finding `finding_id`: `first()` makes the finding,
        `update(newest)` the next version of one that exists. It is published
        `publication_delay` later; createdAt is the first publication, updatedAt the
        latest (each finding's versions are published in the order they were made)."""
        visible_at = to_utc(at).replace(microsecond=0) + self.publication_delay
        with self.lock:
            existing = self.findings.get(finding_id)
            if existing is None:
                stamp = wire_time(visible_at)
                self.findings[finding_id] = Finding(
                    {**first(), "createdAt": stamp, "updatedAt": stamp}, visible_at)
                return finding_id
            visible_at = max(visible_at, existing.versions[-1][0])
            existing.add({**update(existing.newest), "updatedAt": wire_time(visible_at)},
                         visible_at)
            return finding_id

    def visible_findings(self, detector_id: str | None = None,
                         now: datetime | None = None) -> list[dict[str, Any]]:
        """Every finding (of the detector) as published by `now` (the account's clock)."""
        moment = now if now is not None else clock_for(self.account_id).now()
        with self.lock:
            shown = [f.visible(moment) for f in self.findings.values()
                     if detector_id is None or f.detector_id == detector_id]
        return [wire for wire in shown if wire is not None]

    def _detector_findings(self, detector_id: str) -> list[dict[str, Any]]:
        self.get_detector(detector_id)
        return self.visible_findings(detector_id)

    def _select(self, detector_id: str, finding_criteria: Any, sort_criteria: Any) -> list[dict]:
        try:
            criterion = validate_criteria(finding_criteria)
            selected = [f for f in self._detector_findings(detector_id) if matches(f, criterion)]
            return list(sort_findings(selected, sort_criteria))
        except CriteriaError as exc:
            raise BadRequestException(str(exc)) from None

    def list_findings(self, detector_id: str, finding_criteria: Any, sort_criteria: Any,
                      max_results: Any, next_token: Any) -> tuple[list[str], str | None]:
        ids = [f["id"] for f in self._select(detector_id, finding_criteria, sort_criteria)]
        return page(ids, max_results, next_token)

    def get_findings(self, detector_id: str, finding_ids: Iterable[str],
                     sort_criteria: Any) -> list[dict[str, Any]]:
        wanted = list(finding_ids or [])
        if len(wanted) > MAX_PAGE:
            raise BadRequestException(f"at most {MAX_PAGE} finding ids per request")
        by_id = {f["id"]: f for f in self._detector_findings(detector_id)}
        found = [by_id[i] for i in wanted if i in by_id]
        try:
            return list(sort_findings(found, sort_criteria))
        except CriteriaError as exc:
            raise BadRequestException(str(exc)) from None

    def _set_archived(self, detector_id: str, finding_ids: Iterable[str], archived: bool) -> None:
        self.get_detector(detector_id)
        with self.lock:
            now = clock_for(self.account_id).now()
            for finding_id in finding_ids or []:
                finding = self.findings.get(finding_id)
                if finding is None or finding.detector_id != detector_id or \
                        finding.visible(now) is None:
                    raise BadRequestException(f"The finding {finding_id} does not exist.")
            for finding_id in finding_ids or []:
                self.findings[finding_id].archived = archived

    def archive_findings(self, detector_id: str, finding_ids: Iterable[str]) -> None:
        self._set_archived(detector_id, finding_ids, True)

    def unarchive_findings(self, detector_id: str, finding_ids: Iterable[str]) -> None:
        self._set_archived(detector_id, finding_ids, False)

    def get_findings_statistics(self, detector_id: str, statistic_types: Any,
                                finding_criteria: Any, group_by: Any) -> dict[str, Any]:
        selected = self._select(detector_id, finding_criteria, None)
        statistics: dict[str, Any] = {}
        for statistic in statistic_types or []:
            if statistic != "COUNT_BY_SEVERITY":
                raise BadRequestException(f"unknown finding statistic type {statistic!r}")
            counts: dict[str, int] = {}
            for finding in selected:
                key = str(float(finding["severity"]))
                counts[key] = counts.get(key, 0) + 1
            statistics["countBySeverity"] = counts
        if group_by:
            statistics.update(_grouped(selected, group_by))
        if not statistics:
            raise BadRequestException("findingStatisticTypes or groupBy is required")
        return statistics

    # ----- filters -------------------------------------------------------------------------

    def create_filter(self, detector_id: str, name: str, action: str, description: str,
                      finding_criteria: dict[str, Any], rank: int) -> None:
        self._check_filter(name, action, finding_criteria)
        super().create_filter(detector_id, name, action or "NOOP", description,
                              finding_criteria, rank)

    def update_filter(self, detector_id: str, filter_name: str, action: str, description: str,
                      finding_criteria: dict[str, Any], rank: int) -> None:
        self._check_filter(filter_name, action, finding_criteria)
        super().update_filter(detector_id, filter_name, action=action, description=description,
                              finding_criteria=finding_criteria, rank=rank)

    @staticmethod
    def _check_filter(name: str, action: str | None, finding_criteria: Any) -> None:
        if not name or not 3 <= len(name) <= 64:
            raise BadRequestException("A filter name must be 3 to 64 characters long.")
        if action not in (None, "NOOP", "ARCHIVE"):
            raise BadRequestException(f"Filter action must be NOOP or ARCHIVE, not {action!r}")
        if finding_criteria is not None:
            try:
                validate_criteria(finding_criteria)
            except CriteriaError as exc:
                raise BadRequestException(str(exc)) from None

    def list_filters(self, detector_id: str, max_results: Any,
                     next_token: Any) -> tuple[list[str], str | None]:
        detector = self.get_detector(detector_id)
        return page(list(detector.filters), max_results, next_token)

    # ----- threat intel sets ---------------------------------------------------------------

    def _sets(self, detector_id: str) -> dict[str, ThreatIntelSet]:
        self.get_detector(detector_id)
        return self.threat_intel_sets.setdefault(detector_id, {})

    def create_threat_intel_set(self, detector_id: str, name: str, fmt: str, location: str,
                                activate: bool, tags: dict[str, str] | None = None,
                                expected_bucket_owner: str | None = None) -> str:
        if not name:
            raise BadRequestException("The threat intel set needs a name.")
        if fmt not in THREAT_INTEL_FORMATS:
            raise BadRequestException(f"Unknown threat intel set format {fmt!r}.")
        if not location or not location.startswith(("https://", "s3://")):
            raise BadRequestException("The location must be an https:// or s3:// URL.")
        with self.lock:
            sets = self._sets(detector_id)
            if any(s.name == name for s in sets.values()):
                raise BadRequestException(f"A threat intel set named {name!r} already exists.")
            set_id = hashlib.md5(f"{detector_id}/threatintelset/{name}".encode()).hexdigest()
            sets[set_id] = ThreatIntelSet(set_id, name, fmt, location, bool(activate),
                                          tags or {}, expected_bucket_owner)
            return set_id

    def get_threat_intel_set(self, detector_id: str, set_id: str) -> ThreatIntelSet:
        sets = self._sets(detector_id)
        if set_id not in sets:
            raise BadRequestException("The request is rejected since no such resource found.")
        return sets[set_id]

    def list_threat_intel_sets(self, detector_id: str, max_results: Any,
                               next_token: Any) -> tuple[list[str], str | None]:
        return page(list(self._sets(detector_id)), max_results, next_token)

    def update_threat_intel_set(self, detector_id: str, set_id: str, name: str | None,
                                location: str | None, activate: bool | None,
                                expected_bucket_owner: str | None) -> None:
        with self.lock:
            intel = self.get_threat_intel_set(detector_id, set_id)
            if name:
                intel.name = name
            if location:
                intel.location = location
            if activate is not None:
                intel.status = "ACTIVE" if activate else "INACTIVE"
            if expected_bucket_owner:
                intel.expected_bucket_owner = expected_bucket_owner

    def delete_threat_intel_set(self, detector_id: str, set_id: str) -> None:
        with self.lock:
            self.get_threat_intel_set(detector_id, set_id)
            del self._sets(detector_id)[set_id]

    def delete_detector(self, detector_id: str) -> None:
        with self.lock:
            super().delete_detector(detector_id)
            self.threat_intel_sets.pop(detector_id, None)
            for finding_id in [i for i, f in self.findings.items() if f.detector_id == detector_id]:
                del self.findings[finding_id]


def _epoch_seconds(wire_time_text: str) -> float:
    return datetime.fromisoformat(wire_time_text.replace("Z", "+00:00")).timestamp()


def _grouped(findings: list[dict[str, Any]], group_by: str) -> dict[str, Any]:
    """GetFindingsStatistics GroupBy: totals per account, date, type, resource or severity."""
    def resource_id(f: dict[str, Any]) -> str:
        resource = f["resource"]
        return (resource.get("accessKeyDetails", {}).get("accessKeyId")
                or resource.get("instanceDetails", {}).get("instanceId", ""))

    keyers = {
        "ACCOUNT": ("groupedByAccount", lambda f: {"accountId": f["accountId"]}),
        "DATE": ("groupedByDate", lambda f: {
            "date": _epoch_seconds(f["updatedAt"][:10] + "T00:00:00Z")}),
        "FINDING_TYPE": ("groupedByFindingType", lambda f: {"findingType": f["type"]}),
        "RESOURCE": ("groupedByResource", lambda f: {
            "accountId": f["accountId"], "resourceId": resource_id(f),
            "resourceType": f["resource"]["resourceType"]}),
        "SEVERITY": ("groupedBySeverity", lambda f: {"severity": float(f["severity"])}),
    }
    if group_by not in keyers:
        raise BadRequestException(f"groupBy must be one of {', '.join(keyers)}")
    name, keyer = keyers[group_by]
    groups: dict[tuple, dict[str, Any]] = {}
    for finding in findings:
        fields = keyer(finding)
        group = groups.setdefault(tuple(sorted(fields.items())),
                                  {**fields, "totalFindings": 0, "lastGeneratedAt": 0.0})
        group["totalFindings"] += 1
        last = _epoch_seconds(finding["updatedAt"])
        group["lastGeneratedAt"] = max(group["lastGeneratedAt"], last)
    return {name: list(groups.values())}


guardduty_backends = BackendDict(SimGuardDutyBackend, "guardduty")
