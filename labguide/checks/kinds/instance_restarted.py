"""`instance-restarted`: the instance is running and was started after the revocation
(a stop and start gives it a new LaunchTime; a reboot does not)."""

from __future__ import annotations

from datetime import datetime

from labguide.checks.context import RoundContext
from labguide.checks.facts import describe_instance, instant, parse_instant
from labguide.checks.kinds._common import Unmet, need_fact, when
from labguide.checks.policies import Revocation, effective_revocation, role_denies
from labguide.checks.results import Verdict
from labguide.scenario.model import InstanceRestartedCheck, Step


def revocation_of(ctx: RoundContext, role: str, since: datetime, expected: str) -> Revocation:
    """The role's revocation that counts (after the stolen key's first use, not in the
    future); without one there is nothing to be after, and the step says why."""
    effective = effective_revocation(ctx, role, since)
    if effective.revocation is None:
        unrevoked = role_denies(ctx, role).latest is None
        summary = effective.why_not + ("; revoke them first" if unrevoked else "")
        raise Unmet(Verdict("failed", summary, expected,
                            effective.observed or f"no revocation on role {role}"))
    return effective.revocation


def run(spec: InstanceRestartedCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    instance_id = need_fact(ctx, spec.instance, "the compromised instance")
    role = need_fact(ctx, spec.role, "the compromised role")
    since = parse_instant(need_fact(ctx, spec.since, "when the stolen key was first used"))
    expected = f"instance {instance_id} running, started after the revocation"
    revocation = revocation_of(ctx, role, since, expected)
    expected = f"instance {instance_id} running, started after {when(revocation.moment)}"
    instance = describe_instance(ctx, instance_id)
    if instance is None:
        return Verdict("failed", f"instance {instance_id} no longer exists", expected,
                       "no such instance")
    state = instance.get("State", {}).get("Name", "unknown")
    launched = instant(instance.get("LaunchTime"))
    observed = f"{state}, launched {when(launched)}"
    if state == "stopped":
        return Verdict("failed", f"instance {instance_id} is stopped; start it", expected,
                       observed)
    if state != "running":
        return Verdict("failed", f"instance {instance_id} is {state}; wait until it is running",
                       expected, observed)
    if launched < revocation.moment:  # DateLessThan: issued at the moment is allowed
        return Verdict(
            "failed",
            f"instance {instance_id} has run since {when(launched)}, before the revocation at "
            f"{when(revocation.moment)} (a reboot keeps the old credentials): stop it, then "
            "start it", expected, observed)
    return Verdict("passed", f"instance {instance_id} was started at {when(launched)}, after "
                   "the revocation", expected, observed)
