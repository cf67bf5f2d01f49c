"""An actor calling AWS with given credentials from a given address, on the world clock.

Each declared call is executed for real against the account's moto backends, after IAM's
verdict on the credentials (`iam_revocation.models.judge`, with the caller's address as
aws:SourceIp): a role lacking the right gets AccessDenied, a revocation dated after the
session's issue denies everything (explicitly), and so does any other deny that matches
the requests (their IP, their region). A stolen session stays valid until its own
expiration, then every call gets ExpiredToken. CloudTrail records every call; GuardDuty
sees every call from an address on one of the detector's active threat lists, under the
finding type of the first declared rule that fits. What each operation does (its IAM
action, the resource it acts on, and its effect) is in `OPERATIONS`: AWS's semantics, not
an exercise's.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labguide.sim.iam_revocation.models import GLOBAL_REGION, judge

RECENT_CALLS = 200
GLOBAL_SERVICES = frozenset({"iam"})  # signed for us-east-1 whatever the caller's region


@dataclass(frozen=True)
class AttackerCall:
    """One API call the actor made, as the attacker pane shows it."""

    at: datetime
    service: str
    api: str
    allowed: bool
    error_code: str | None


class CallFailed(Exception):
    """An operation's own AWS error (the answer AWS would give)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Operation:
    action: str  # the IAM action
    resource: Callable[[Mapping[str, Any]], str]  # the resource ARN, from the params
    run: Callable[[str, str, Mapping[str, Any]], Any]  # (account, region, params)


def _s3(account: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


def _delete_bucket(account: str, region: str, p: Mapping[str, Any]) -> None:
    if _s3(account).delete_bucket(p["Bucket"]) is None:
        raise CallFailed("BucketNotEmpty")


def _describe_trails(account: str, region: str, p: Mapping[str, Any]) -> Any:
    from moto.cloudtrail.models import cloudtrail_backends

    return list(cloudtrail_backends[account][region].describe_trails(include_shadow_trails=True))


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def _ec2(account: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("s3", "GetObject"): Operation(
        "s3:GetObject", lambda p: f"arn:aws:s3:::{p['Bucket']}/{p['Key']}",
        lambda a, r, p: _s3(a).get_object(p["Bucket"], p["Key"])),
    ("s3", "PutObject"): Operation(
        "s3:PutObject", lambda p: f"arn:aws:s3:::{p['Bucket']}/{p['Key']}",
        lambda a, r, p: _s3(a).put_object(p["Bucket"], p["Key"],
                                          str(p.get("Body", "")).encode())),
    ("s3", "ListBuckets"): Operation(
        "s3:ListAllMyBuckets", lambda p: "*",
        lambda a, r, p: _s3(a).list_buckets(None, None, None)),
    ("s3", "DeleteBucket"): Operation(
        "s3:DeleteBucket", lambda p: f"arn:aws:s3:::{p['Bucket']}", _delete_bucket),
    ("cloudtrail", "DescribeTrails"): Operation(
        "cloudtrail:DescribeTrails", lambda p: "*", _describe_trails),
    ("iam", "DeleteAccountPasswordPolicy"): Operation(
        "iam:DeleteAccountPasswordPolicy", lambda p: "*",
        lambda a, r, p: _iam(a).delete_account_password_policy()),
    ("iam", "ListUsers"): Operation(
        "iam:ListUsers", lambda p: "*", lambda a, r, p: _iam(a).list_users(None, None, None)),
    ("ec2", "DescribeInstances"): Operation(
        "ec2:DescribeInstances", lambda p: "*",
        lambda a, r, p: _ec2(a, r).describe_instances()),
}


@dataclass(frozen=True)
class GuardDutyRule:
    finding_type: str
    operation_prefixes: tuple[str, ...] = ()

    def fits(self, operation: str) -> bool:
        return not self.operation_prefixes or operation.startswith(self.operation_prefixes)


@dataclass(frozen=True)
class AttackPlan:
    """Everything the actor knows and uses; built by the world."""

    account_id: str
    region: str
    access_key_id: str
    remote_ip: str
    calls: tuple[tuple[str, str, dict[str, Any]], ...]  # (service, operation, params)
    guardduty_rules: tuple[GuardDutyRule, ...]
    access_key_details: dict[str, Any]
    instance_details: dict[str, Any] | None = None
    user_agent: str = "aws-cli/1.18.69 Python/3.6.9 Linux/4.15.0-1065-aws botocore/1.16.19"
    cloudtrail: bool = True  # each call is a CloudTrail event


def _error_code(error: Exception) -> str:
    """The AWS error code a moto exception would be answered with."""
    for attribute in ("code", "error_type"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(error).__name__


def threat_list_with(account_id: str, region: str, address: str) -> tuple[str, str] | None:
    """(detector id, threat list name) of an active custom threat list holding `address`."""
    from labguide.sim.guardduty.models import guardduty_backends
    from labguide.sim.guardduty.threat_lists import listing_threat_list

    for detector_id in list(guardduty_backends[account_id][region].threat_intel_sets):
        name = listing_threat_list(account_id, region, detector_id, address)
        if name is not None:
            return detector_id, name
    return None


class Attacker:
    """Makes its declared round of calls; keeps the latest calls for its pane."""

    def __init__(self, plan: AttackPlan):
        self.plan = plan
        self._recent: deque[AttackerCall] = deque(maxlen=RECENT_CALLS)
        self._lock = threading.Lock()

    def recent_calls(self) -> list[AttackerCall]:
        """The latest calls, oldest first."""
        with self._lock:
            return list(self._recent)

    def latest_call(self) -> AttackerCall | None:
        """The newest call, None before the first: "anything new?" without a copy (the
        class status asks it of 200 worlds every poll)."""
        with self._lock:
            return self._recent[-1] if self._recent else None

    def run_round(self, at: datetime) -> list[AttackerCall]:
        """Make the round's calls at moment `at`; returns them."""
        made = [self.call(service, operation, params, at)
                for service, operation, params in self.plan.calls]
        with self._lock:
            self._recent.extend(made)
        return made

    def call(self, service: str, api: str, params: Mapping[str, Any],
             at: datetime) -> AttackerCall:
        plan = self.plan
        operation = OPERATIONS[(service, api)]
        resource = operation.resource(params)
        region = GLOBAL_REGION if service in GLOBAL_SERVICES else plan.region
        decision = judge(plan.access_key_id, operation.action, resource, at,
                         source_ip=plan.remote_ip, region=region, account_id=plan.account_id)
        error_code: str | None = None
        error_message: str | None = None
        if decision is not None and not decision.allowed:
            error_code, error_message = decision.error_code, decision.message
        else:
            try:
                operation.run(plan.account_id, plan.region, params)
            except Exception as error:  # noqa: BLE001 - any moto error is the call's answer
                error_code, error_message = _error_code(error), str(error)
        self._report(service, api, error_code, at, resource)
        if plan.cloudtrail:
            self._trail(service, api, resource, error_code, error_message, at)
        return AttackerCall(at=at, service=service, api=api, allowed=error_code is None,
                            error_code=error_code)

    def _trail(self, service: str, api: str, resource: str, error_code: str | None,
               error_message: str | None, at: datetime) -> None:
        """CloudTrail records the call (event history keeps only management events)."""
        from labguide.sim.cloudtrail.models import record

        plan = self.plan
        params: dict[str, Any] = {}
        if resource.startswith("arn:aws:s3:::"):
            bucket, _, key = resource[len("arn:aws:s3:::"):].partition("/")
            params = {"bucketName": bucket, "Host": f"{bucket}.s3.{plan.region}.amazonaws.com"}
            if key:
                params["key"] = key
        record(account_id=plan.account_id, region=plan.region, service=service,
               access_key_id=plan.access_key_id, source_ip=plan.remote_ip,
               user_agent=plan.user_agent, at=at, operation=api, params=params,
               error_code=error_code, error_message=error_message)

    def _report(self, service: str, api: str, error_code: str | None, at: datetime,
                resource: str = "*") -> None:
        from labguide.sim.guardduty.models import guardduty_backends

        plan = self.plan
        rule = next((r for r in plan.guardduty_rules if r.fits(api)), None)
        listed = threat_list_with(plan.account_id, plan.region, plan.remote_ip) if rule else None
        if rule is None or listed is None:
            return
        detector_id, threat_list_name = listed
        guardduty_backends[plan.account_id][plan.region].record_api_call(
            detector_id,
            finding_type=rule.finding_type,
            access_key_details=plan.access_key_details,
            instance_details=plan.instance_details,
            api=api,
            service_name=f"{service}.amazonaws.com",
            remote_ip=plan.remote_ip,
            error_code=error_code,
            threat_list_name=threat_list_name,
            at=at,
            user_agent=plan.user_agent,
            affected_resources=_affected(resource),
        )


def _affected(resource: str) -> dict[str, str]:
    """awsApiCallAction.affectedResources for a call on `resource` (an ARN, or "*")."""
    if resource.startswith("arn:aws:s3:::"):
        bucket, _, key = resource[len("arn:aws:s3:::"):].partition("/")
        return {"AWS::S3::Object" if key else "AWS::S3::Bucket": resource}
    return {}
