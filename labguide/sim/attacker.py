"""The attacker: every attack interval, from its Elastic IP, with the stolen role session,
it repeats the workshop's calls against the account, and GuardDuty sees each one.

Calls are executed for real against the account's moto backends, after IAM's verdict on
the stolen key (`iam_revocation.models.judge`, with the attacker's address as
aws:SourceIp): the role lacks rights for most of them (AccessDenied), a revocation dated
after the session's issue denies them all (explicitly), and so does any other deny that
matches the attacker's requests (its IP, its region). A restart of the instance does not
stop it: the stolen session stays valid until its own expiration, then every call gets
ExpiredToken. Every call, allowed or not, goes to
`guardduty_backends[acct][region].record_api_call`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labguide.sim.iam_revocation.models import GLOBAL_REGION, judge

RECON_PREFIXES = ("List", "Describe")  # reconnaissance APIs; the rest is "UnauthorizedAccess"
RECENT_CALLS = 200
GLOBAL_SERVICES = frozenset({"iam"})  # signed for us-east-1 whatever the caller's region


@dataclass(frozen=True)
class AttackerCall:
    """One API call the attacker made, as its pane shows it."""

    at: datetime
    service: str
    api: str
    allowed: bool
    error_code: str | None


@dataclass(frozen=True)
class AttackPlan:
    """Everything the attacker knows and uses; built by the world."""

    account_id: str
    region: str
    access_key_id: str
    remote_ip: str
    detector_id: str
    threat_list_name: str
    data_bucket: str
    logs_bucket: str
    config_key: str
    recon_finding_type: str
    access_finding_type: str
    access_key_details: dict[str, Any]
    instance_details: dict[str, Any] | None = None
    user_agent: str = "aws-cli/1.18.69 Python/3.6.9 Linux/4.15.0-1065-aws botocore/1.16.19"


class _CallFailed(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _error_code(error: Exception) -> str:
    """The AWS error code a moto exception would be answered with."""
    for attribute in ("code", "error_type"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(error).__name__


class Attacker:
    """Replays the workshop attacker's round of calls; keeps the latest calls for its pane."""

    def __init__(self, plan: AttackPlan):
        self.plan = plan
        self._recent: deque[AttackerCall] = deque(maxlen=RECENT_CALLS)
        self._lock = threading.Lock()

    def recent_calls(self) -> list[AttackerCall]:
        """The latest calls, oldest first."""
        with self._lock:
            return list(self._recent)

    # --- one round -------------------------------------------------------------------

    def _calls(self) -> list[tuple[str, str, str, str, Callable[[], Any]]]:
        from moto.cloudtrail.models import cloudtrail_backends
        from moto.iam.models import iam_backends
        from moto.s3.models import s3_backends

        plan = self.plan
        s3 = s3_backends[plan.account_id]["aws"]
        trails = cloudtrail_backends[plan.account_id][plan.region]
        iam = iam_backends[plan.account_id]["aws"]

        def delete_bucket() -> None:
            if s3.delete_bucket(plan.logs_bucket) is None:
                raise _CallFailed("BucketNotEmpty")

        return [  # (service, API, IAM action, resource, the call itself)
            ("s3", "GetObject", "s3:GetObject",
             f"arn:aws:s3:::{plan.data_bucket}/{plan.config_key}",
             lambda: s3.get_object(plan.data_bucket, plan.config_key)),
            ("s3", "ListBuckets", "s3:ListAllMyBuckets", "*",
             lambda: s3.list_buckets(None, None, None)),
            ("cloudtrail", "DescribeTrails", "cloudtrail:DescribeTrails", "*",
             lambda: list(trails.describe_trails(include_shadow_trails=True))),
            ("s3", "DeleteBucket", "s3:DeleteBucket", f"arn:aws:s3:::{plan.logs_bucket}",
             delete_bucket),
            ("iam", "DeleteAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy", "*",
             iam.delete_account_password_policy),
        ]

    def run_round(self, at: datetime) -> list[AttackerCall]:
        """Make the round's calls at moment `at`; returns them."""
        made = [self.call(service, api, action, resource, run, at)
                for service, api, action, resource, run in self._calls()]
        with self._lock:
            self._recent.extend(made)
        return made

    def call(self, service: str, api: str, action: str, resource: str,
             run: Callable[[], Any], at: datetime) -> AttackerCall:
        plan = self.plan
        region = GLOBAL_REGION if service in GLOBAL_SERVICES else plan.region
        decision = judge(plan.access_key_id, action, resource, at, source_ip=plan.remote_ip,
                         region=region, account_id=plan.account_id)
        error_code: str | None = None
        error_message: str | None = None
        if decision is not None and not decision.allowed:
            error_code, error_message = decision.error_code, decision.message
        else:
            try:
                run()
            except Exception as error:  # noqa: BLE001 - any moto error is the call's answer
                error_code, error_message = _error_code(error), str(error)
        self._report(service, api, error_code, at)
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

    def _report(self, service: str, api: str, error_code: str | None, at: datetime) -> None:
        from labguide.sim.guardduty.models import guardduty_backends

        plan = self.plan
        recon = api.startswith(RECON_PREFIXES)
        finding_type = plan.recon_finding_type if recon else plan.access_finding_type
        guardduty_backends[plan.account_id][plan.region].record_api_call(
            plan.detector_id,
            finding_type=finding_type,
            access_key_details=plan.access_key_details,
            instance_details=plan.instance_details,
            api=api,
            service_name=f"{service}.amazonaws.com",
            remote_ip=plan.remote_ip,
            error_code=error_code,
            threat_list_name=plan.threat_list_name,
            at=at,
            user_agent=plan.user_agent,
        )
