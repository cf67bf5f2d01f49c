"""Role sessions and how IAM judges a request signed with one.

moto knows which role an `ASIA…` key belongs to but not when its session was issued,
and its opt-in policy engine does not evaluate date conditions: a "revoke older
sessions" policy (`Deny *` with `DateLessThan aws:TokenIssueTime`) would block new
sessions too. This module keeps the issue time of every role session the simulator hands
out (instance credentials, the stolen session) and evaluates the role's identity-based
policies for them the way IAM does: an explicit deny wins, then an allow, else an
implicit deny; an expired or replaced session is refused before any policy is read.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from labguide.sim.clock import to_utc


@dataclass
class RoleSession:
    """One set of temporary credentials of a role, as STS issued it."""

    access_key_id: str
    account_id: str
    role_name: str
    role_arn: str
    session_name: str
    issued_at: datetime  # whole seconds, UTC: what aws:TokenIssueTime holds
    expires_at: datetime
    replaced_at: datetime | None = None  # the instance got new credentials; this set is dead

    @property
    def arn(self) -> str:
        partition = self.role_arn.split(":")[1]
        return (
            f"arn:{partition}:sts::{self.account_id}:assumed-role/"
            f"{self.role_name}/{self.session_name}"
        )


class SessionRegistry:
    """Role sessions by access key id; shared by every thread of the process (server too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, RoleSession] = {}

    def register(self, session: RoleSession) -> None:
        with self._lock:
            self._by_key[session.access_key_id] = session

    def get(self, access_key_id: str) -> RoleSession | None:
        return self._by_key.get(access_key_id)

    def forget_account(self, account_id: str) -> None:
        with self._lock:
            for key in [k for k, s in self._by_key.items() if s.account_id == account_id]:
                del self._by_key[key]


sessions = SessionRegistry()


@dataclass(frozen=True)
class Decision:
    """IAM's verdict on one request: allowed, or refused with an AWS error code and message."""

    allowed: bool
    error_code: str | None = None  # "AccessDenied" or "ExpiredToken"
    explicit_deny: bool = False
    message: str = ""


ALLOWED = Decision(allowed=True)

# Actions that IAM never denies by policy (AWS documents GetCallerIdentity as always allowed).
ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})


def evaluate(
    session: RoleSession,
    action: str,
    resource: str,
    now: datetime,
    policies: Iterable[str | dict[str, Any]],
) -> Decision:
    """Judge `action` (e.g. "s3:GetObject") on `resource` for `session` at `now`.

    `policies` are the role's identity-based policy documents (inline and attached).
    `resource` "*" means "not known": any Resource element then matches.
    """
    now = to_utc(now)
    if session.replaced_at is not None and now >= session.replaced_at:
        return _expired()
    if now >= session.expires_at:
        return _expired()
    if action.lower() in ALWAYS_ALLOWED:
        return ALLOWED
    context = {
        "aws:tokenissuetime": session.issued_at,
        "aws:currenttime": now,
        "aws:epochtime": now,
    }
    allowed = False
    for document in policies:
        for statement in _statements(document):
            if not _applies(statement, action, resource, context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision(
                    allowed=False,
                    error_code="AccessDenied",
                    explicit_deny=True,
                    message=(
                        f"User: {session.arn} is not authorized to perform: {action} "
                        f"on resource: {resource} with an explicit deny in an "
                        "identity-based policy"
                    ),
                )
            if statement.get("Effect") == "Allow":
                allowed = True
    if allowed:
        return ALLOWED
    return Decision(
        allowed=False,
        error_code="AccessDenied",
        message=(
            f"User: {session.arn} is not authorized to perform: {action} on resource: "
            f"{resource} because no identity-based policy allows the {action} action"
        ),
    )


def _expired() -> Decision:
    return Decision(
        allowed=False,
        error_code="ExpiredToken",
        message="The security token included in the request is expired",
    )


def _statements(document: str | dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches_any(patterns: Iterable[str], value: str, *, case_sensitive: bool) -> bool:
    if case_sensitive:
        return any(fnmatchcase(value, pattern) for pattern in patterns)
    value = value.lower()
    return any(fnmatchcase(value, pattern.lower()) for pattern in patterns)


def _applies(
    statement: dict[str, Any], action: str, resource: str, context: dict[str, datetime]
) -> bool:
    if "Action" in statement:
        if not _matches_any(_as_list(statement["Action"]), action, case_sensitive=False):
            return False
    elif "NotAction" in statement:
        if _matches_any(_as_list(statement["NotAction"]), action, case_sensitive=False):
            return False
    else:
        return False
    if resource != "*":
        if "Resource" in statement:
            if not _matches_any(_as_list(statement["Resource"]), resource, case_sensitive=True):
                return False
        elif "NotResource" in statement:
            if _matches_any(_as_list(statement["NotResource"]), resource, case_sensitive=True):
                return False
    return _conditions_hold(statement.get("Condition") or {}, context)


_DATE_OPERATORS = {
    "datelessthan": lambda actual, wanted: actual < wanted,
    "datelessthanequals": lambda actual, wanted: actual <= wanted,
    "dategreaterthan": lambda actual, wanted: actual > wanted,
    "dategreaterthanequals": lambda actual, wanted: actual >= wanted,
    "dateequals": lambda actual, wanted: actual == wanted,
    "datenotequals": lambda actual, wanted: actual != wanted,
}


def _conditions_hold(conditions: dict[str, Any], context: dict[str, datetime]) -> bool:
    """Every operator block must hold. Date operators on the date keys are evaluated;
    any other operator or key is one this simulator cannot judge, so the statement is
    treated as not applying (documented limitation)."""
    for operator, block in conditions.items():
        name = operator.lower()
        if_exists = name.endswith("ifexists")
        if if_exists:
            name = name[: -len("ifexists")]
        compare = _DATE_OPERATORS.get(name)
        if compare is None or not isinstance(block, dict):
            return False
        for key, wanted_values in block.items():
            actual = context.get(key.lower())
            if actual is None:
                if if_exists:
                    continue
                return False
            wanted = [parse_policy_date(v) for v in _as_list(wanted_values)]
            if not any(w is not None and compare(actual, w) for w in wanted):
                return False
    return True


_EPOCH = re.compile(r"^\d+$")


def parse_policy_date(value: Any) -> datetime | None:
    """An IAM date condition value: ISO 8601 (with or without zone, "Z" allowed) or epoch."""
    text = str(value).strip()
    try:
        if _EPOCH.match(text):
            return datetime.fromtimestamp(int(text), UTC)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return to_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        return None


def role_policy_documents(account_id: str, role_name: str) -> list[str] | None:
    """The role's inline documents and the default versions of its attached managed
    policies, read from moto's IAM backend; None when the role no longer exists."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    role = next((r for r in backend.roles.values() if r.name == role_name), None)
    if role is None:
        return None
    documents = list(role.policies.values())
    for policy in role.managed_policies.values():
        version = next(
            (v for v in policy.versions if v.version_id == policy.default_version_id), None
        )
        if version is not None:
            documents.append(version.document)
    return documents


def judge(access_key_id: str, action: str, resource: str, now: datetime) -> Decision | None:
    """IAM's verdict for a request signed with `access_key_id`, or None when the key is
    not a role session this simulator issued (moto then decides as usual)."""
    session = sessions.get(access_key_id)
    if session is None:
        return None
    documents = role_policy_documents(session.account_id, session.role_name)
    if documents is None:
        return Decision(
            allowed=False,
            error_code="AccessDenied",
            message=f"User: {session.arn} is not authorized to perform: {action} "
            f"on resource: {resource} because the role no longer exists",
        )
    return evaluate(session, action, resource, now, documents)


def register_assumed_role(assumed: Any, duration_seconds: int) -> RoleSession:
    """Record a session moto's STS just issued (AssumeRole): issued now on the account's
    clock, so a later revocation judges it like any other role session."""
    from datetime import timedelta

    from labguide.sim.clock import clock_for

    issued_at = clock_for(assumed.account_id).now()
    expires_at = issued_at + timedelta(seconds=duration_seconds)
    assumed.expiration = expires_at.replace(tzinfo=None)  # moto keeps naive UTC
    session = RoleSession(
        access_key_id=assumed.access_key_id,
        account_id=assumed.account_id,
        role_name=assumed.role_arn.rsplit("/", 1)[-1],
        role_arn=assumed.role_arn,
        session_name=assumed.session_name,
        issued_at=issued_at,
        expires_at=expires_at,
    )
    sessions.register(session)
    return session
