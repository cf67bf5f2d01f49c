"""Facts: values the checks and the content need, discovered from the account's own
AWS APIs (GuardDuty, IAM, EC2), never written into the scenario and never guessed.

A fact that cannot be found yet is None with a reason ("no finding of type ... yet").
A fact whose read failed (access denied, endpoint down) carries the failure, so the
checks that need it report `error` rather than a false `failed`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labguide.awstime import instant, iso, parse_instant
from labguide.checks.context import Memo, RoundContext
from labguide.scenario.kinds import FACT_REGISTRY, implementation
from labguide.scenario.model import FactSpec
from labguide.target import AwsCallFailed, Target

__all__ = ["Fact", "Facts", "discover", "instant", "iso", "parse_instant"]  # times re-exported

MAX_FINDINGS = 50


@dataclass(frozen=True)
class Fact:
    """A discovered value (a text, or a list of texts for a list fact), or None with why
    (`reason`); `failure` when the read failed."""

    value: str | list[str] | None
    reason: str = ""
    failure: AwsCallFailed | None = None


class Facts:
    """The scenario's declared facts for one round, each discovered on first use."""

    def __init__(self, specs: Mapping[str, FactSpec], ctx: RoundContext):
        self._specs = dict(specs)
        self._ctx = ctx
        self._default_type = next(
            (spec.finding_type for spec in self._specs.values()
             if getattr(spec, "finding_type", None)), None)

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    def spec(self, name: str) -> FactSpec | None:
        return self._specs.get(name)

    def finding_type_of(self, name: str) -> str | None:
        """The finding type a fact is read from (its own, else the scenario's first)."""
        spec = self._specs.get(name)
        return getattr(spec, "finding_type", None) or self._default_type

    def finding_type_of_spec(self, spec: FactSpec) -> str | None:
        return getattr(spec, "finding_type", None) or self._default_type

    def get(self, name: str) -> Fact:
        spec = self._specs.get(name)
        if spec is None:
            return Fact(None, f"the scenario declares no fact {name!r}")
        return self._ctx.once(("fact", name), lambda: self._discover(name, spec))

    def value(self, name: str) -> str | None:
        return self.get(name).value

    def all(self, *, runs_commands: bool = True) -> dict[str, Fact]:
        return {name: self.get(name) for name, spec in self._specs.items()
                if runs_commands or spec.kind not in RUNS_COMMANDS}

    def values(self) -> dict[str, str | None]:
        """The values templates may use (no fact that would run a command)."""
        return {name: fact.value for name, fact in self.all(runs_commands=False).items()}

    def _discover(self, name: str, spec: FactSpec) -> Fact:
        try:
            return implementation(FACT_REGISTRY[spec.kind])(spec, self._ctx)
        except AwsCallFailed as failure:
            return Fact(None, failure.reason, failure)
        except Exception as exc:  # a bug or an odd answer must not take the round down
            failure = AwsCallFailed(
                f"internal error discovering fact {name} ({spec.kind}): "
                f"{type(exc).__name__}: {exc}", code="InternalError", service="labguide",
                operation=spec.kind)
            return Fact(None, failure.reason, failure)


def discover(target: Target, specs: Mapping[str, FactSpec], *,
             ctx: RoundContext | None = None) -> Facts:
    """The facts of `specs` on `target`, resolved lazily and at most once through `ctx`."""
    ctx = ctx or RoundContext(target=target, memo=Memo())
    facts = Facts(specs, ctx)
    ctx.facts = facts
    return facts


# ----- shared reads ---------------------------------------------------------------------------


def detector_id(ctx: RoundContext) -> Fact:
    def read() -> Fact:
        if ctx.findings is not None:
            ids = [d for d in [ctx.findings().detector] if d]
        else:
            ids = ctx.target.call("guardduty", "ListDetectors").get("DetectorIds", [])
        if not ids:
            return Fact(None, f"GuardDuty is not enabled in {ctx.target.region} (no detector)")
        return Fact(ids[0])

    return ctx.once("detector", read)


def newest_finding(ctx: RoundContext, finding_type: str | None) -> tuple[dict | None, str]:
    """The most recently updated finding of `finding_type`, or None and why."""
    if not finding_type:
        return None, "the scenario names no finding type to read this from"

    def read() -> tuple[dict | None, str]:
        detector = detector_id(ctx)
        if detector.value is None:
            return None, detector.reason
        shared = ctx.findings() if ctx.findings is not None else None
        if shared is not None:
            of_type = [f for f in shared.findings if f.get("Type") == finding_type]
            if shared.complete or any(not is_sample(f) for f in of_type):
                return _newest_real(of_type, finding_type)
        listed = ctx.target.call(
            "guardduty", "ListFindings", DetectorId=detector.value,
            FindingCriteria={"Criterion": {"type": {"Eq": [finding_type]}}},
            SortCriteria={"AttributeName": "updatedAt", "OrderBy": "DESC"},
            MaxResults=MAX_FINDINGS,
        )
        ids = listed.get("FindingIds", [])
        if not ids:
            return None, f"no GuardDuty finding of type {finding_type} yet"
        findings = ctx.target.call("guardduty", "GetFindings", DetectorId=detector.value,
                                   FindingIds=ids[:MAX_FINDINGS]).get("Findings", [])
        return _newest_real([f for f in findings if f.get("Type") == finding_type],
                            finding_type)

    return ctx.once(("finding", finding_type), read)


def _newest_real(findings: list[dict], finding_type: str) -> tuple[dict | None, str]:
    """The newest of `findings` (all of `finding_type`) that is not a sample, or why none."""
    real = [f for f in findings if not is_sample(f)]
    if not real:
        return None, (f"no GuardDuty finding of type {finding_type} yet"
                      + (" (only sample findings, which are ignored)" if findings else ""))
    return max(real, key=lambda f: instant(f.get("UpdatedAt"))), ""


SAMPLE_ACCESS_KEY = "GeneratedFindingAccessKeyId"


def is_sample(finding: dict) -> bool:
    """A finding made by CreateSampleFindings (or the console's "Generate sample findings"):
    its key, role and instance are made up, so it must never become a fact."""
    info = (finding.get("Service") or {}).get("AdditionalInfo") or {}
    if isinstance(info, dict):
        # The API carries additionalInfo as {"Value": "<JSON text>", "Type": "default"};
        # the console's JSON view shows the same as service.additionalInfo.sample.
        extra: Any = info.get("Value")
        if isinstance(extra, str):
            try:
                extra = json.loads(extra)
            except ValueError:
                extra = None
        for holder in (info, extra if isinstance(extra, dict) else {}):
            sample = holder.get("Sample", holder.get("sample"))
            if sample is True or str(sample).lower() == "true":
                return True
    details = (finding.get("Resource") or {}).get("AccessKeyDetails") or {}
    return details.get("AccessKeyId") == SAMPLE_ACCESS_KEY


def describe_instance(ctx: RoundContext, instance_id: str) -> dict | None:
    """The instance as EC2 describes it now, or None when EC2 does not know it."""

    def read() -> dict | None:
        try:
            response = ctx.target.call("ec2", "DescribeInstances", InstanceIds=[instance_id])
        except AwsCallFailed as failure:
            if failure.code.startswith("InvalidInstanceID"):
                return None
            raise
        for reservation in response.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                if instance.get("InstanceId") == instance_id:
                    return instance
        return None

    return ctx.once(("instance", instance_id), read)


def get_role(ctx: RoundContext, role_name: str) -> dict | None:
    def read() -> dict | None:
        try:
            return ctx.target.call("iam", "GetRole", RoleName=role_name)["Role"]
        except AwsCallFailed as failure:
            if failure.code == "NoSuchEntity":
                return None
            raise

    return ctx.once(("role", role_name), read)


# ----- the fact kinds -------------------------------------------------------------------------


def detector_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    return detector_id(ctx)


def _key_details(ctx: RoundContext, finding_type: str | None) -> tuple[dict | None, str]:
    finding, reason = newest_finding(ctx, finding_type)
    if finding is None:
        return None, reason
    details = finding.get("Resource", {}).get("AccessKeyDetails") or {}
    if not details.get("AccessKeyId"):
        return None, f"the newest {finding_type} finding names no access key"
    return details, ""


def access_key_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    finding_type = ctx.facts.finding_type_of_spec(spec)
    details, reason = _key_details(ctx, finding_type)
    return Fact(details["AccessKeyId"]) if details else Fact(None, reason)


def finding_type_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    finding_type = ctx.facts.finding_type_of_spec(spec)
    finding, reason = newest_finding(ctx, finding_type)
    return Fact(finding["Type"]) if finding else Fact(None, reason)


def first_seen_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    finding_type = ctx.facts.finding_type_of_spec(spec)
    finding, reason = newest_finding(ctx, finding_type)
    if finding is None:
        return Fact(None, reason)
    seen = finding.get("Service", {}).get("EventFirstSeen")
    if not seen:
        return Fact(None, f"the newest {finding_type} finding has no eventFirstSeen")
    return Fact(iso(instant(seen)))


def _role(ctx: RoundContext, finding_type: str | None) -> tuple[dict | None, str]:
    """The role behind the stolen key: userName, confirmed by the AROA unique id."""

    def read() -> tuple[dict | None, str]:
        details, reason = _key_details(ctx, finding_type)
        if details is None:
            return None, reason
        user_type, name = details.get("UserType"), details.get("UserName")
        if user_type != "AssumedRole":
            kind = user_type or "principal of unknown type"
            return None, f"the key belongs to a {kind}, not a role"
        if not name:
            return None, "the finding names no role (accessKeyDetails.userName is empty)"
        role = get_role(ctx, name)
        if role is None:
            return None, f"the finding's role {name} no longer exists in IAM"
        unique_id = (details.get("PrincipalId") or "").split(":", 1)[0]
        if unique_id and unique_id != role.get("RoleId"):
            return None, (f"role {name} now has unique id {role.get('RoleId')}, not the finding's "
                          f"{unique_id}: it was deleted and recreated")
        return role, ""

    return ctx.once(("finding-role", finding_type), read)


def role_name_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    finding_type = ctx.facts.finding_type_of_spec(spec)
    role, reason = _role(ctx, finding_type)
    return Fact(role["RoleName"]) if role else Fact(None, reason)


def role_arn_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    finding_type = ctx.facts.finding_type_of_spec(spec)
    role, reason = _role(ctx, finding_type)
    return Fact(role["Arn"]) if role else Fact(None, reason)


def instance_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    """The session name of principalId (an instance id for EC2 roles) or the finding's
    instanceDetails, confirmed in EC2; failing those, the instance with the Name tag."""
    finding_type = ctx.facts.finding_type_of_spec(spec)
    finding, reason = newest_finding(ctx, finding_type)
    candidates: list[str] = []
    if finding is not None:
        resource = finding.get("Resource", {})
        principal = (resource.get("AccessKeyDetails") or {}).get("PrincipalId") or ""
        session = principal.split(":", 1)[1] if ":" in principal else ""
        if session.startswith("i-"):
            candidates.append(session)
        instance = (resource.get("InstanceDetails") or {}).get("InstanceId")
        if instance and instance not in candidates:
            candidates.append(instance)
    for candidate in candidates:
        described = describe_instance(ctx, candidate)
        if described is not None and described.get("State", {}).get("Name") != "terminated":
            return Fact(candidate)
    if spec.name_tag:
        return _instance_by_name(ctx, spec.name_tag)
    if candidates:
        return Fact(None, f"instance {candidates[0]} named by the finding no longer exists")
    return Fact(None, reason or "the finding names no instance")


def _instance_by_name(ctx: RoundContext, name: str) -> Fact:
    response = ctx.target.call(
        "ec2", "DescribeInstances",
        Filters=[{"Name": "tag:Name", "Values": [name]},
                 {"Name": "instance-state-name",
                  "Values": ["pending", "running", "stopping", "stopped"]}],
    )
    ids = [instance["InstanceId"] for reservation in response.get("Reservations", [])
           for instance in reservation.get("Instances", [])]
    if len(ids) == 1:
        return Fact(ids[0])
    if not ids:
        return Fact(None, f"no instance is named {name!r}")
    return Fact(None, f"{len(ids)} instances are named {name!r}; cannot tell which one")


def current_key_fact(spec: FactSpec, ctx: RoundContext) -> Fact:
    """The AccessKeyId the instance holds now: read only when, and as, the key-rotated
    check reads it (labguide.checks.instance_keys), so it costs no Run Command of its own."""
    from labguide.checks.kinds.key_rotated import current_key_fact as read

    return read(ctx, spec)


# Facts whose read may run a command on an instance (a change on a real account): left out
# of what `solve` discovers for its templates.
RUNS_COMMANDS = frozenset({"instance-current-key"})
