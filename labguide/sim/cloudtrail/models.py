"""CloudTrail event history: every management call of an account, and LookupEvents over it.

moto has trails but no event history. Here every AWS request moto answers is recorded
where AWS's event history keeps it: in the caller's account, in the Region the request
was signed for, except that IAM (a global service) is recorded in us-east-1 ("Global
service events", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html).
Recording keeps the raw request and who made it; the event JSON (the record contents of
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
is written when it is first looked up. Data events (S3 object-level calls, Lambda Invoke,
DynamoDB items, SNS Publish) are not in event history, as AWS documents for S3
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html).

Bounded: each access key keeps its latest `EVENTS_PER_KEY` events, so an app polling
every few seconds never pushes out the attacker's calls; events older than 90 days
are never returned.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError

from labguide.sim.clock import clock_for, to_utc
from labguide.sim.cloudtrail.requests import RawRequest, operation_and_params

EVENT_VERSION = "1.11"  # "The current version is 1.11" (record contents page above)
EVENTS_PER_KEY = 2000
RETENTION = timedelta(days=90)
MAX_RESULTS = 50
REQUEST_PARAMETERS_LIMIT = 2048  # larger requestParameters are left out (null)
GLOBAL_SERVICES = {"iam": "us-east-1"}
LOOKUP_KEYS = ("EventId", "EventName", "ReadOnly", "Username", "ResourceType",
               "ResourceName", "EventSource", "AccessKeyId")
# Operations CloudTrail logs as data events, which event history never shows.
DATA_EVENTS = {
    "s3": frozenset({
        "GetObject", "PutObject", "DeleteObject", "DeleteObjects", "HeadObject", "CopyObject",
        "ListObjects", "ListObjectsV2", "ListObjectVersions", "GetObjectAcl", "PutObjectAcl",
        "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging", "GetObjectAttributes",
        "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload",
        "AbortMultipartUpload", "ListParts", "RestoreObject", "SelectObjectContent",
        "GetObjectRetention", "PutObjectRetention", "GetObjectLegalHold", "PutObjectLegalHold",
    }),
    "lambda": frozenset({"Invoke", "InvokeWithResponseStream"}),
    "dynamodb": frozenset({
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
        "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    }),
    "sns": frozenset({"Publish", "PublishBatch"}),
}
# Request parameters naming a resource, and the resource type LookupEvents shows for them.
RESOURCE_PARAMETERS = {
    "bucketName": "AWS::S3::Bucket", "instanceId": "AWS::EC2::Instance",
    "instancesSet": "AWS::EC2::Instance", "groupId": "AWS::EC2::SecurityGroup",
    "networkAclId": "AWS::EC2::NetworkAcl", "subnetId": "AWS::EC2::Subnet",
    "vpcId": "AWS::EC2::VPC", "allocationId": "AWS::EC2::EIP",
    "roleName": "AWS::IAM::Role", "userName": "AWS::IAM::User",
    "policyArn": "AWS::IAM::Policy", "instanceProfileName": "AWS::IAM::InstanceProfile",
    "accessKeyId": "AWS::IAM::AccessKey", "detectorId": "AWS::GuardDuty::Detector",
    "logGroupName": "AWS::Logs::LogGroup", "topicArn": "AWS::SNS::Topic",
    "trailName": "AWS::CloudTrail::Trail", "documentName": "AWS::SSM::Document",
}


class LookupError_(JsonRESTError):  # noqa: N801 - the trailing _ keeps clear of the builtin
    code = 400


def _error(code: str, message: str) -> LookupError_:
    return LookupError_(code, message)


def _iso(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name


def read_only(service: str, operation: str) -> bool:
    """CloudTrail's readOnly: reads are the Describe/Get/List/Head/Lookup operations.
    (This is CloudTrail's classification of an API, not the simulator's safety list of
    allowed reads: an unknown operation named like a read is still a read here.)"""
    return operation.startswith(("Describe", "Get", "List", "Head", "Lookup", "BatchGet"))


def is_management(service: str, operation: str) -> bool:
    return operation not in DATA_EVENTS.get(service, frozenset())


# Names CloudTrail writes differently from the API's member names.
PARAMETER_NAMES = {"Bucket": "bucketName", "Host": "Host", "Key": "key"}


def _shaped(value: Any) -> Any:
    if isinstance(value, dict):
        return {PARAMETER_NAMES.get(k, _lower_camel(k)): _shaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shaped(v) for v in value]
    return value


def api_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as CloudTrail writes requestParameters: lowerCamel names; query-protocol
    lists (`InstanceId.1`) gathered into lists."""
    shaped: dict[str, Any] = {}
    for name, value in params.items():
        base, dot, rest = str(name).partition(".")
        key = PARAMETER_NAMES.get(base, _lower_camel(base))
        if dot and rest.split(".")[0].isdigit():
            shaped.setdefault(key, [])
            if isinstance(shaped[key], list):
                shaped[key].append(value)
            continue
        if dot:
            continue  # nested query members: left out rather than guessed
        shaped[key] = _shaped(value)
    return shaped


def resources_of(params: Mapping[str, Any]) -> list[dict[str, str]]:
    """LookupEvents' Resources: the resources the request names."""
    found: list[dict[str, str]] = []
    for name, resource_type in RESOURCE_PARAMETERS.items():
        value = params.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                found.append({"ResourceType": resource_type, "ResourceName": item})
    return found


# ----- who made a call ---------------------------------------------------------------------


def identity_for(account_id: str, access_key_id: str) -> tuple[dict[str, Any], str] | None:
    """(userIdentity, user name as LookupEvents shows it) for a key of `account_id`, or
    None for a key the account does not know (such requests fail before CloudTrail)."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    iam = iam_backends[account_id]["aws"]
    key = iam.access_keys.get(access_key_id)
    if key is not None and key.user_name:
        user = iam.users.get(key.user_name)
        if user is None:
            return None
        return ({"type": "IAMUser", "principalId": user.id, "arn": user.arn,
                 "accountId": account_id, "accessKeyId": access_key_id,
                 "userName": user.name}, user.name)
    session = next((s for s in reversed(sts_backends[account_id]["aws"].assumed_roles)
                    if s.access_key_id == access_key_id), None)
    if session is None:
        return None
    role_name = session.role_arn.rsplit("/", 1)[-1]
    role = next((r for r in iam.roles.values() if r.arn == session.role_arn), None)
    role_id = role.id if role is not None else session.user_id.split(":")[0]
    created = key.create_date if key is not None else None
    attributes = {"creationDate": _iso(created) if created else None,
                  "mfaAuthenticated": "false"}
    return ({"type": "AssumedRole", "principalId": f"{role_id}:{session.session_name}",
             "arn": session.arn, "accountId": account_id, "accessKeyId": access_key_id,
             "sessionContext": {
                 "sessionIssuer": {"type": "Role", "principalId": role_id,
                                   "arn": session.role_arn, "accountId": account_id,
                                   "userName": role_name},
                 "attributes": attributes,
             }}, session.session_name)


# ----- one recorded call --------------------------------------------------------------------


_sequence = itertools.count(1)


@dataclass
class RecordedCall:
    """One call as it was made; `event()` renders the CloudTrail record once."""

    at: datetime
    account_id: str
    region: str
    service: str  # the signing name, as in eventSource
    access_key_id: str
    identity: dict[str, Any]
    username: str
    source_ip: str
    user_agent: str
    error_code: str | None = None
    error_message: str | None = None
    raw: RawRequest | None = None
    operation: str | None = None
    params: dict[str, Any] | None = None
    sequence: int = field(default_factory=lambda: next(_sequence))
    _event: dict[str, Any] | None = field(default=None, repr=False)
    _resolved: bool = field(default=False, repr=False)

    def _resolve(self) -> None:
        if self._resolved:
            return
        if self.raw is not None and self.operation is None:
            self.operation, self.params = operation_and_params(self.service, self.raw)
        self._resolved = True

    def event(self) -> dict[str, Any] | None:
        """The CloudTrail record, or None when the call is not a management event."""
        self._resolve()
        if self._event is not None or not self.operation:
            return self._event
        if not is_management(self.service, self.operation):
            return None
        parameters = api_parameters(self.params or {})
        if len(json.dumps(parameters, default=str)) > REQUEST_PARAMETERS_LIMIT:
            parameters = None
        digest = hashlib.sha256(
            f"{self.account_id}|{self.sequence}|{self.at.isoformat()}".encode()).digest()
        event: dict[str, Any] = {
            "eventVersion": EVENT_VERSION,
            "userIdentity": self.identity,
            "eventTime": _iso(self.at),
            "eventSource": f"{self.service}.amazonaws.com",
            "eventName": self.operation,
            "awsRegion": self.region,
            "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent,
        }
        if self.error_code:
            event["errorCode"] = self.error_code
            event["errorMessage"] = self.error_message or ""
        event.update({
            "requestParameters": parameters or None,
            "responseElements": None,
            "requestID": str(uuid.UUID(bytes=digest[:16], version=4)),
            "eventID": str(uuid.UUID(bytes=digest[16:32], version=4)),
            "readOnly": read_only(self.service, self.operation),
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": self.account_id,
            "eventCategory": "Management",
        })
        self._event = event
        self.resources = resources_of(parameters or {})
        return event

    def lookup_entry(self) -> dict[str, Any]:
        event = self.event() or {}
        return {
            "EventId": event["eventID"],
            "EventName": event["eventName"],
            "ReadOnly": "true" if event["readOnly"] else "false",
            "AccessKeyId": self.access_key_id,
            "EventTime": self.at,
            "EventSource": event["eventSource"],
            "Username": self.username,
            "Resources": getattr(self, "resources", []),
            "CloudTrailEvent": json.dumps(event, separators=(",", ":")),
        }

    def attribute(self, key: str) -> list[str]:
        """The values a lookup attribute matches for this event."""
        event = self.event() or {}
        if key == "EventId":
            return [event.get("eventID", "")]
        if key == "EventName":
            return [event.get("eventName", "")]
        if key == "ReadOnly":
            return ["true" if event.get("readOnly") else "false"]
        if key == "Username":
            return [self.username]
        if key == "EventSource":
            return [event.get("eventSource", "")]
        if key == "AccessKeyId":
            return [self.access_key_id]
        resources = getattr(self, "resources", [])
        field_name = "ResourceType" if key == "ResourceType" else "ResourceName"
        return [r[field_name] for r in resources]


# ----- the backend -------------------------------------------------------------------------


class EventHistoryBackend(BaseBackend):
    """One account and Region's event history."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self._by_key: dict[str, deque[RecordedCall]] = {}
        self._lock = threading.Lock()

    def add(self, call: RecordedCall) -> None:
        with self._lock:
            ring = self._by_key.get(call.access_key_id)
            if ring is None:
                ring = self._by_key[call.access_key_id] = deque(maxlen=EVENTS_PER_KEY)
            ring.append(call)

    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return [c for ring in self._by_key.values() for c in ring]

    def lookup_events(self, lookup_attributes: Any, start_time: Any, end_time: Any,
                      event_category: Any, max_results: Any,
                      next_token: Any) -> tuple[list[dict[str, Any]], str | None]:
        """LookupEvents, newest first, as https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
        describes it: at most one lookup attribute, a time range (inclusive, the last 90
        days by default), MaxResults 1-50 (default 50), an opaque NextToken."""
        if event_category not in (None, ""):
            if event_category != "insight":
                raise _error("InvalidEventCategoryException",
                             "Event category is not valid. Valid value is: insight.")
            return [], None  # no Insights events in a simulated account
        attribute = _one_attribute(lookup_attributes)
        now = clock_for(self.account_id).now()
        start = _instant(start_time) if start_time not in (None, "") else now - RETENTION
        end = _instant(end_time) if end_time not in (None, "") else now
        if start > end:
            raise _error("InvalidTimeRangeException",
                         "Start time must be less than or equal to end time.")
        start = max(start, now - RETENTION)
        size = _max_results(max_results)
        fingerprint = hashlib.sha256(
            json.dumps([attribute, _iso(start), _iso(end)]).encode()).hexdigest()[:16]
        after = _read_token(next_token, fingerprint)
        selected = []
        for call in self.calls():
            if not start <= to_utc(call.at) <= end:
                continue
            if call.event() is None:
                continue
            if attribute is not None and attribute[1] not in call.attribute(attribute[0]):
                continue
            selected.append(call)
        selected.sort(key=lambda c: (to_utc(c.at), c.sequence), reverse=True)
        if after is not None:
            selected = [c for c in selected if (to_utc(c.at).timestamp(), c.sequence) < after]
        page = selected[:size]
        token = None
        if len(selected) > size:
            last = page[-1]
            token = _make_token(fingerprint, to_utc(last.at).timestamp(), last.sequence)
        return [c.lookup_entry() for c in page], token


def _one_attribute(lookup_attributes: Any) -> tuple[str, str] | None:
    if not lookup_attributes:
        return None
    if not isinstance(lookup_attributes, list) or len(lookup_attributes) != 1:
        raise _error("InvalidLookupAttributesException",
                     "You can specify only one lookup attribute per request.")
    entry = lookup_attributes[0]
    key = entry.get("AttributeKey") if isinstance(entry, dict) else None
    value = entry.get("AttributeValue") if isinstance(entry, dict) else None
    if key not in LOOKUP_KEYS:
        raise _error("InvalidLookupAttributesException",
                     f"Lookup attribute key {key!r} is not valid. Valid keys are: "
                     + ", ".join(LOOKUP_KEYS) + ".")
    if not isinstance(value, str) or not value:
        raise _error("InvalidLookupAttributesException",
                     "A lookup attribute needs an AttributeValue.")
    return key, value


def _instant(value: Any) -> datetime:
    """A timestamp from the JSON protocol: epoch seconds (botocore's form) or ISO 8601."""
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        text = str(value).strip()
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except ValueError:
            return to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError, OSError):
        raise _error("InvalidTimeRangeException", f"{value!r} is not a time.") from None


def _max_results(value: Any) -> int:
    if value in (None, ""):
        return MAX_RESULTS
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_RESULTS:
        raise _error("InvalidMaxResultsException",
                     f"MaxResults must be between 1 and {MAX_RESULTS}.")
    return size


def _make_token(fingerprint: str, at: float, sequence: int) -> str:
    return base64.urlsafe_b64encode(f"{fingerprint}|{at}|{sequence}".encode()).decode()


def _read_token(token: Any, fingerprint: str) -> tuple[float, int] | None:
    if token in (None, ""):
        return None
    try:
        wanted, at, sequence = base64.urlsafe_b64decode(str(token).encode()).decode().split("|")
        if wanted != fingerprint:
            raise ValueError
        return float(at), int(sequence)
    except (ValueError, UnicodeDecodeError):
        raise _error("InvalidNextTokenException",
                     "A token that is not valid was provided. The token must be from a "
                     "previous LookupEvents call with the same parameters.") from None


event_history_backends = BackendDict(EventHistoryBackend, "cloudtrail")


# ----- recording ---------------------------------------------------------------------------


def history_region(service: str, region: str) -> str:
    return GLOBAL_SERVICES.get(service, region)


def record(*, account_id: str, region: str, service: str, access_key_id: str,
           source_ip: str, user_agent: str, at: datetime | None = None,
           raw: RawRequest | None = None, operation: str | None = None,
           params: Mapping[str, Any] | None = None, error_code: str | None = None,
           error_message: str | None = None) -> RecordedCall | None:
    """Record one call in the caller's event history; None when the key is unknown."""
    who = identity_for(account_id, access_key_id)
    if who is None:
        return None
    identity, username = who
    call = RecordedCall(
        at=to_utc(at or clock_for(account_id).now()), account_id=account_id,
        region=history_region(service, region), service=service,
        access_key_id=access_key_id, identity=identity, username=username,
        source_ip=source_ip, user_agent=user_agent, error_code=error_code,
        error_message=error_message, raw=raw, operation=operation,
        params=dict(params) if params is not None else None,
    )
    if operation is not None:
        call._resolved = True
    event_history_backends[account_id][call.region].add(call)
    return call


def events(account_id: str, region: str) -> Iterable[dict[str, Any]]:
    """Every management event of an account and Region (tests, instructors), oldest first."""
    calls = sorted(event_history_backends[account_id][region].calls(),
                   key=lambda c: (to_utc(c.at), c.sequence))
    return [e for e in (c.event() for c in calls) if e is not None]
