"""Reading a role's revocation: a policy statement that denies everything to sessions
issued before a moment (what the IAM console's "Revoke active sessions" writes).

Shared by the sessions-revoked check (is there one, dated late enough?) and the
checks that compare against the revocation moment (restart, rotation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from labguide.awstime import iso as _iso
from labguide.awstime import parse_policy_date
from labguide.checks.context import RoundContext

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
# How far ahead of the account's clock a revocation may be dated (clock skew, typing time).
FUTURE_SLACK = timedelta(minutes=5)
TOKEN_ISSUE_TIME = "aws:tokenissuetime"


@dataclass(frozen=True)
class Revocation:
    moment: datetime
    policy: str  # "inline policy X" / "managed policy X"


@dataclass(frozen=True)
class RoleDenies:
    """What the role's own policies say about old sessions."""

    revocations: list[Revocation] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)  # why a deny-ish statement does not count
    policies: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Revocation | None:
        return max(self.revocations, key=lambda r: r.moment, default=None)


@dataclass(frozen=True)
class EffectiveRevocation:
    """The revocation that counts for a role, or None with why none does."""

    revocation: Revocation | None
    why_not: str = ""  # a sentence for the summary
    observed: str = ""


def account_now(ctx: RoundContext) -> datetime:
    """The account's time, read once per round (an STS call on a real account)."""
    return ctx.once("now", ctx.target.now)


def effective_revocation(ctx: RoundContext, role: str, since: datetime) -> EffectiveRevocation:
    """The role's latest revocation dated after `since` (the stolen key's first use).

    A revocation dated at or before `since` leaves the stolen session working, so it is
    no moment to restart after; one dated in the future (beyond FUTURE_SLACK) denies the
    sessions a restart would get as well, so nothing can pass until it is dated now."""
    denies = role_denies(ctx, role)
    latest = denies.latest
    if latest is None:
        if denies.near_misses:
            detail = "; ".join(denies.near_misses)
            return EffectiveRevocation(None, f"role {role} has no revocation that counts: "
                                       f"{detail}", detail)
        listed = ", ".join(denies.policies)
        # Name what was looked at, so the role's own policies read as such (a newcomer
        # took the app's policy in "(inline policy …-app)" for a revocation gone wrong).
        seen = f"its policies: {listed}, none revoking" if listed else \
            "no inline or customer-managed policies"
        return EffectiveRevocation(None, f"role {role}'s sessions are not revoked yet",
                                   f"no revocation on role {role} ({seen})")
    observed = f"{latest.policy} denies sessions issued before {_iso(latest.moment)}"
    now = account_now(ctx)
    if latest.moment > now + FUTURE_SLACK:
        return EffectiveRevocation(
            None, f"the revocation on {role} is dated {_iso(latest.moment)}, in the future "
            f"(the account's time is {_iso(now)}): it denies new sessions too, so no restart "
            "can get working credentials; date it now", observed)
    if latest.moment <= since:
        return EffectiveRevocation(
            None, f"the revocation on {role} is dated {_iso(latest.moment)}, not after the "
            f"stolen key's first use at {_iso(since)}: the stolen session still works; "
            "revoke again", observed)
    return EffectiveRevocation(latest, "", observed)


def role_denies(ctx: RoundContext, role_name: str) -> RoleDenies:
    """Scan the role's inline and customer-managed policies once per round."""
    return ctx.once(("role-denies", role_name), lambda: _scan(ctx, role_name))


def _scan(ctx: RoundContext, role_name: str) -> RoleDenies:
    call = ctx.target.call
    result = RoleDenies()
    documents: list[tuple[str, Any]] = []
    for name in _paged(call, "iam", "ListRolePolicies", "PolicyNames", RoleName=role_name):
        doc = call("iam", "GetRolePolicy", RoleName=role_name, PolicyName=name)["PolicyDocument"]
        documents.append((f"inline policy {name}", doc))
    for attached in _paged(call, "iam", "ListAttachedRolePolicies", "AttachedPolicies",
                           RoleName=role_name):
        arn = attached["PolicyArn"]
        if arn.startswith(AWS_MANAGED_PREFIX):
            continue  # AWS's own policies cannot carry a learner's revocation date
        policy = call("iam", "GetPolicy", PolicyArn=arn)["Policy"]
        version = call("iam", "GetPolicyVersion", PolicyArn=arn,
                       VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        documents.append((f"managed policy {attached['PolicyName']}", version["Document"]))
    for label, doc in documents:
        result.policies.append(label)
        for statement in _statements(doc):
            moment, why_not = judge_statement(statement)
            if moment is not None:
                result.revocations.append(Revocation(moment, label))
            elif why_not:
                result.near_misses.append(f"{label}: {why_not}")
    return result


def _paged(call, service: str, operation: str, key: str, **params: Any) -> list[Any]:
    items: list[Any] = []
    while True:
        page = call(service, operation, **params)
        items.extend(page.get(key, []))
        if not page.get("IsTruncated") or not page.get("Marker"):
            return items
        params["Marker"] = page["Marker"]


def _statements(document: Any) -> list[dict]:
    if isinstance(document, str):
        text = document if document.lstrip().startswith("{") else unquote(document)
        try:
            document = json.loads(text)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def judge_statement(statement: dict) -> tuple[datetime | None, str]:
    """The revocation moment when the statement denies every action on every resource
    to sessions issued before it (DateLessThan aws:TokenIssueTime and nothing else);
    otherwise None and, for a statement that looks like an attempt, why it does not count."""
    effect = statement.get("Effect")
    condition = statement.get("Condition") or {}
    mentions_token_time = any(
        isinstance(keys, dict) and any(k.lower() == TOKEN_ISSUE_TIME for k in keys)
        for keys in condition.values()) if isinstance(condition, dict) else False
    if effect != "Deny":
        return None, ("an Allow statement on aws:TokenIssueTime denies nothing"
                      if mentions_token_time else "")
    if "NotAction" in statement:
        return None, "a Deny with NotAction leaves some actions allowed"
    if "NotResource" in statement:
        return None, "a Deny with NotResource leaves some resources allowed"
    if "*" not in _as_list(statement.get("Action")):
        actions = ", ".join(map(str, _as_list(statement.get("Action"))))
        return None, f"the Deny covers only {actions}, not every action (\"*\")"
    if "*" not in _as_list(statement.get("Resource")):
        return None, "the Deny covers only some resources, not \"*\""
    if not isinstance(condition, dict) or not condition:
        return None, "a Deny without a date condition denies every session, new ones too"
    if list(condition) != ["DateLessThan"]:
        others = ", ".join(op for op in condition if op != "DateLessThan")
        return None, (f"the Deny's condition uses {others}; only DateLessThan on "
                      "aws:TokenIssueTime revokes the sessions issued before a moment")
    keys = condition["DateLessThan"]
    if not isinstance(keys, dict) or [k.lower() for k in keys] != [TOKEN_ISSUE_TIME]:
        return None, "the Deny's DateLessThan must test aws:TokenIssueTime alone"
    values = _as_list(next(iter(keys.values())))
    moments = []
    for value in values:
        try:
            moments.append(parse_policy_date(value))
        except ValueError:
            return None, (f"aws:TokenIssueTime value {value!r} is neither an ISO-8601 time "
                          "nor epoch seconds")
    if not moments:
        return None, "the Deny's aws:TokenIssueTime has no value"
    return max(moments), ""  # any of several values matching: the latest one counts
