"""`role-sessions-revoked`: the role denies everything to sessions issued before a
moment later than the stolen key's first use (DateLessThan aws:TokenIssueTime)."""

from __future__ import annotations

from labguide.checks.context import RoundContext
from labguide.checks.facts import parse_instant
from labguide.checks.kinds._common import need_fact, when
from labguide.checks.policies import role_denies
from labguide.checks.results import Verdict
from labguide.scenario.model import SessionsRevokedCheck

KIND = "role-sessions-revoked"


def run(spec: SessionsRevokedCheck, ctx: RoundContext) -> Verdict:
    role = need_fact(ctx, spec.role, "the compromised role")
    since = parse_instant(need_fact(ctx, spec.since, "when the stolen key was first used"))
    expected = (f"a policy on role {role} denying \"*\" on \"*\" with DateLessThan "
                f"aws:TokenIssueTime later than {when(since)} (the stolen key's first use)")
    denies = role_denies(ctx, role)
    latest = denies.latest
    if latest is None:
        if denies.near_misses:
            detail = "; ".join(denies.near_misses)
            return Verdict("failed", f"role {role} has no revocation that counts: {detail}",
                           expected, detail)
        listed = ", ".join(denies.policies) or "no inline or customer-managed policies"
        return Verdict("failed", f"role {role}'s sessions are not revoked yet", expected,
                       f"no revocation on role {role} ({listed})")
    observed = (f"{latest.policy} denies sessions issued before {when(latest.moment)}")
    if latest.moment <= since:
        return Verdict(
            "failed",
            f"the revocation on {role} is dated {when(latest.moment)}, not after the stolen "
            f"key's first use at {when(since)}: the stolen session still works; revoke again",
            expected, observed)
    return Verdict("passed", f"sessions of {role} issued before {when(latest.moment)} are "
                   "revoked", expected, observed)
