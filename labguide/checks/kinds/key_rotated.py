"""`instance-key-rotated`: the instance's current role credentials, read from its metadata
(IMDSv2) through SSM Run Command (labguide.checks.instance_keys), are another key issued
after the revocation. On a real account with changes off nothing is sent: the check is
`manual`, and the step's pasted-key question settles it."""

from __future__ import annotations

from datetime import datetime

from labguide.checks.context import RoundContext
from labguide.checks.facts import Fact, describe_instance, instant, parse_instant
from labguide.checks.instance_keys import KeyUnread, current_key, describe, pasted_key
from labguide.checks.kinds._common import Unmet, need_fact, when
from labguide.checks.kinds.instance_restarted import revocation_of
from labguide.checks.results import Verdict
from labguide.scenario.model import FactSpec, KeyRotatedCheck, Step
from labguide.target import AwsCallFailed, mask_key

KIND = "instance-key-rotated"


def _rotation_read(ctx: RoundContext, instance_id: str, role: str, since_fact: str,
                   expected: str) -> tuple[object, dict, datetime]:
    """(revocation, instance, launch time) once the instance runs and was started after
    the revocation: only then is its key worth reading. Unmet says why not."""
    since = parse_instant(need_fact(ctx, since_fact, "when the stolen key was first used"))
    revocation = revocation_of(ctx, role, since, expected)
    instance = describe_instance(ctx, instance_id)
    state = (instance or {}).get("State", {}).get("Name", "gone")
    if state != "running":
        raise Unmet(Verdict("failed", f"instance {instance_id} is {state}; start it, then its "
                            "credentials can be read", expected, f"instance {state}"))
    launched = instant(instance.get("LaunchTime"))
    if launched < revocation.moment:
        # Its credentials were fetched before the revocation and are denied now, so its
        # SSM agent is offline too: asking it would only wait out a timeout.
        raise Unmet(Verdict(
            "failed", f"instance {instance_id} still runs with the credentials it had before "
            f"the revocation at {when(revocation.moment)} (launched {when(launched)}); stop and "
            "start it", expected, f"launched {when(launched)}, before the revocation"))
    return revocation, instance, launched


def run(spec: KeyRotatedCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    instance_id = need_fact(ctx, spec.instance, "the compromised instance")
    role = need_fact(ctx, spec.role, "the compromised role")
    stolen = need_fact(ctx, spec.key, "the stolen access key")
    expected = (f"instance {instance_id}'s metadata credentials: a key other than "
                f"{mask_key(stolen)}, issued after the revocation")
    revocation, instance, _ = _rotation_read(ctx, instance_id, role, spec.since, expected)
    expected = (f"instance {instance_id}'s metadata credentials: a key other than "
                f"{mask_key(stolen)}, LastUpdated after {when(revocation.moment)}")
    try:
        key = current_key(ctx, instance_id, role, str(instance.get("LaunchTime")))
    except KeyUnread as unread:
        return Verdict(unread.status, unread.reason, expected, unread.observed)
    observed = describe(key)
    if key.access_key_id == stolen:
        return Verdict("failed", f"instance {instance_id} still uses the stolen key "
                       f"{mask_key(stolen)}; stop and start it", expected, observed)
    if key.last_updated < revocation.moment:  # DateLessThan: issued at the moment is allowed
        return Verdict("failed", f"instance {instance_id}'s key {mask_key(key.access_key_id)} "
                       f"was issued at {when(key.last_updated)}, before the revocation at "
                       f"{when(revocation.moment)}; stop and start it", expected, observed)
    return Verdict("passed", f"instance {instance_id} now uses {mask_key(key.access_key_id)}, "
                   f"issued {when(key.last_updated)}, after the revocation", expected, observed)


def current_key_fact(ctx: RoundContext, spec: FactSpec) -> Fact:
    """The `instance-current-key` fact: the key this check reads, when it reads it."""
    try:
        instance_id = need_fact(ctx, spec.instance or "instance_id", "the compromised instance")
        role = need_fact(ctx, spec.role or "role_name", "the compromised role")
        _, instance, _ = _rotation_read(ctx, instance_id, role, spec.since or "first_seen", "")
    except Unmet as unmet:
        return Fact(None, unmet.verdict.summary)
    try:
        return Fact(current_key(ctx, instance_id, role,
                                str(instance.get("LaunchTime"))).access_key_id)
    except KeyUnread as unread:
        failure = AwsCallFailed(unread.reason, code=f"KeyUnread:{unread.status}",
                                service="ssm", operation="SendCommand")
        return Fact(None, unread.reason, failure if unread.status != "failed" else None)


def judge_pasted_key(ctx: RoundContext, fact_name: str, given: str) -> Verdict:
    """The "paste the AccessKeyId" question when the instance's key could not be read
    (on a real account with changes off, Run Command is not sent): the pasted key must
    be another key than the stolen one, and the instance must have been started after
    the revocation, which is all that can be told without reading the instance."""
    spec = ctx.facts.spec(fact_name)
    instance_id = need_fact(ctx, spec.instance or "instance_id", "the compromised instance")
    role = need_fact(ctx, spec.role or "role_name", "the compromised role")
    stolen = need_fact(ctx, spec.key or "access_key_id", "the stolen access key")
    expected = "the AccessKeyId the instance reports now: not the stolen key"
    key = pasted_key(given)
    if key is None:
        return Verdict("failed", "paste the AccessKeyId the instance reports (ASIA followed "
                       "by 16 letters and digits)", expected, "no access key id")
    if key == stolen:
        return Verdict("failed", f"{mask_key(key)} is the stolen key; after the restart the "
                       "instance reports another one", expected, mask_key(key))
    fact = ctx.facts.get(fact_name)
    if fact.failure is None or not fact.failure.code.endswith(":manual"):
        # Not a refusal: the read failed or the instance is not there yet; say why.
        return Verdict("error" if fact.failure else "failed",
                       f"cannot check the pasted key yet: {fact.reason}", expected,
                       mask_key(key))
    _, _, launched = _rotation_read(ctx, instance_id, role, spec.since or "first_seen",
                                    expected)
    return Verdict("passed", f"{mask_key(key)} is not the stolen key and instance {instance_id} "
                   f"was started at {when(launched)}, after the revocation (not read from the "
                   "instance: Run Command is off on this real account)", expected, mask_key(key))
