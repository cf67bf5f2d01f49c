"""`role-sessions-revoked`: the role denies everything to sessions issued before a
moment later than the stolen key's first use (DateLessThan aws:TokenIssueTime)."""

from __future__ import annotations

from labguide.checks.context import RoundContext
from labguide.checks.facts import parse_instant
from labguide.checks.kinds._common import need_fact, when
from labguide.checks.policies import effective_revocation
from labguide.checks.results import Verdict
from labguide.scenario.model import SessionsRevokedCheck, Step


def run(spec: SessionsRevokedCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    role = need_fact(ctx, spec.role, "the compromised role")
    since = parse_instant(need_fact(ctx, spec.since, "when the stolen key was first used"))
    expected = (f"a policy on role {role} denying \"*\" on \"*\" with DateLessThan "
                f"aws:TokenIssueTime later than {when(since)} (the stolen key's first use)")
    effective = effective_revocation(ctx, role, since)
    if effective.revocation is None:
        return Verdict("failed", effective.why_not, expected, effective.observed)
    return Verdict("passed", f"sessions of {role} issued before "
                   f"{when(effective.revocation.moment)} are revoked", expected,
                   effective.observed)
