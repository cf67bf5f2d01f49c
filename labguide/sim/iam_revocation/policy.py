"""IAM's policy evaluation for a role session's request, within one account.

Reference: "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
and "Session policies" / "Permissions boundaries for IAM entities"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).

1. An explicit Deny in any applicable policy (identity-based, permissions boundary,
   session policy) denies the request.
2. Otherwise the request needs an Allow from the role's identity-based policies, AND from
   its permissions boundary when it has one, AND from the session policies when the
   session was given any: the effective permissions are their intersection.
3. Anything else is an implicit deny.

Messages follow AWS's documented access-denied wording ("... with an explicit deny in a
permissions boundary", "... because no session policy allows the s3:GetObject action").
Not modelled: resource-based policies, SCPs/RCPs, VPC endpoint policies (the simulated
worlds have none of them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from labguide.sim.iam_revocation.conditions import (
    Context,
    conditions_hold,
    glob_match,
    substitute,
)

Document = str | dict[str, Any]

IDENTITY = "identity-based policy"
BOUNDARY = "permissions boundary"
SESSION = "session policy"


@dataclass(frozen=True)
class PolicySet:
    """The policies of one kind that apply to a request (`kind` names them in messages)."""

    kind: str
    documents: Sequence[Document]


@dataclass(frozen=True)
class Verdict:
    """"Allow", "ExplicitDeny" or "ImplicitDeny", and which kind of policy decided."""

    effect: str
    kind: str = IDENTITY

    @property
    def allowed(self) -> bool:
        return self.effect == "Allow"


def statements(document: Document) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    found = document.get("Statement", [])
    found = [found] if isinstance(found, dict) else found
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _any_action(patterns: Iterable[Any], action: str) -> bool:
    return any(isinstance(p, str) and glob_match(p, action, ignore_case=True)
               for p in patterns)


def _any_resource(patterns: Iterable[Any], resource: str, context: Context) -> bool:
    return any(isinstance(p, str) and glob_match(substitute(p, context), resource)
               for p in patterns)


def statement_applies(statement: dict[str, Any], action: str, resource: str,
                      context: Context) -> bool:
    """Action (or NotAction), Resource (or NotResource) and Condition all match.

    `resource` "*" stands for a request whose resource the caller does not name: any
    Resource element then matches (the action and conditions still decide)."""
    if "Action" in statement:
        if not _any_action(_as_list(statement["Action"]), action):
            return False
    elif "NotAction" in statement:
        if _any_action(_as_list(statement["NotAction"]), action):
            return False
    else:
        return False
    if resource != "*":
        if "Resource" in statement:
            if not _any_resource(_as_list(statement["Resource"]), resource, context):
                return False
        elif "NotResource" in statement:
            if _any_resource(_as_list(statement["NotResource"]), resource, context):
                return False
    return conditions_hold(statement.get("Condition"), context)


def _effects(documents: Iterable[Document], action: str, resource: str,
             context: Context) -> tuple[bool, bool]:
    """(some Deny applies, some Allow applies) over a set of documents."""
    allowed = False
    for document in documents:
        for statement in statements(document):
            if not statement_applies(statement, action, resource, context):
                continue
            effect = statement.get("Effect")
            if effect == "Deny":
                return True, allowed
            if effect == "Allow":
                allowed = True
    return False, allowed


def evaluate_policies(policy_sets: Sequence[PolicySet], action: str, resource: str,
                      context: Context) -> Verdict:
    """IAM's decision for one request over the identity policies (first set) and the
    limiting sets (permissions boundary, session policies) that follow it."""
    outcomes = []
    for policy_set in policy_sets:
        denied, allowed = _effects(policy_set.documents, action, resource, context)
        if denied:
            return Verdict("ExplicitDeny", policy_set.kind)
        outcomes.append((policy_set.kind, allowed))
    for kind, allowed in outcomes:
        if not allowed:
            return Verdict("ImplicitDeny", kind)
    return Verdict("Allow")


def denial_message(principal_arn: str, action: str, resource: str, verdict: Verdict) -> str:
    """AWS's access-denied message for a refused request."""
    start = f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
    article = "an" if verdict.kind[0] in "aeiou" else "a"
    if verdict.effect == "ExplicitDeny":
        return f"{start} with an explicit deny in {article} {verdict.kind}"
    return f"{start} because no {verdict.kind} allows the {action} action"
