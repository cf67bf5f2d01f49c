"""`instance-key-rotated`: the instance's current role credentials, read from its
metadata (IMDSv2) through SSM Run Command, are another key issued after the revocation.
Only AccessKeyId and LastUpdated are kept from the output; the secret and the token
are never stored or shown."""

from __future__ import annotations

import json
import time

from labguide.actions.shell import InstanceUnreachable, imds_v2_commands, run_shell
from labguide.checks.context import RoundContext
from labguide.checks.facts import describe_instance, instant, parse_instant
from labguide.checks.kinds._common import need_fact, when
from labguide.checks.kinds.instance_restarted import revocation_of
from labguide.checks.results import Verdict
from labguide.scenario.model import KeyRotatedCheck
from labguide.target import mask_key, mask_keys

KIND = "instance-key-rotated"
# An instance whose agent did not answer is asked again after this long (a freshly started
# agent registers with SSM within a minute or two); polls in between reuse the answer.
UNREACHABLE_RETRY_SECONDS = 90.0


def run(spec: KeyRotatedCheck, ctx: RoundContext) -> Verdict:
    instance_id = need_fact(ctx, spec.instance, "the compromised instance")
    role = need_fact(ctx, spec.role, "the compromised role")
    stolen = need_fact(ctx, spec.key, "the stolen access key")
    since = parse_instant(need_fact(ctx, spec.since, "when the stolen key was first used"))
    expected = (f"instance {instance_id}'s metadata credentials: a key other than "
                f"{mask_key(stolen)}, issued after the revocation")
    revocation = revocation_of(ctx, role, since, expected)
    expected = (f"instance {instance_id}'s metadata credentials: a key other than "
                f"{mask_key(stolen)}, LastUpdated after {when(revocation.moment)}")
    instance = describe_instance(ctx, instance_id)
    state = (instance or {}).get("State", {}).get("Name", "gone")
    if state != "running":
        return Verdict("failed", f"instance {instance_id} is {state}; start it, then its "
                       "credentials can be read", expected, f"instance {state}")
    launched = instant(instance.get("LaunchTime"))
    if launched < revocation.moment:
        # Its credentials were fetched before the revocation and are denied now, so its
        # SSM agent is offline too: asking it would only wait out a timeout.
        return Verdict("failed", f"instance {instance_id} still runs with the credentials it "
                       f"had before the revocation at {when(revocation.moment)} (launched "
                       f"{when(launched)}); stop and start it", expected,
                       f"launched {when(launched)}, before the revocation")
    # A pass holds while the instance, the revocation and the stolen key stay the same:
    # later refreshes only bring newer keys. Not asking SSM again spares a real account
    # a Run Command on every poll; an unreachable agent is asked again only after a while.
    lasting = (KIND, instance_id, str(instance.get("LaunchTime")), revocation.moment, stolen, role)
    if lasting in ctx.lasting:
        return ctx.lasting[lasting]
    unreachable = (KIND, "unreachable", instance_id, str(instance.get("LaunchTime")),
                   revocation.moment)
    remembered = ctx.lasting.get(unreachable)
    if remembered is not None and time.monotonic() < remembered[0]:
        return remembered[1]
    try:
        output = run_shell(ctx.target, instance_id, imds_v2_commands(role),
                           comment="labguide: read the role credentials (key-rotated check)",
                           delivery_timeout=30)
    except InstanceUnreachable as exc:
        verdict = Verdict("error", f"cannot read the instance's credentials: {exc.reason}",
                          expected, "unreachable through SSM")
        ctx.lasting[unreachable] = (time.monotonic() + UNREACHABLE_RETRY_SECONDS, verdict)
        return verdict
    if output.status != "Success":
        detail = mask_keys(_last_line(output.stderr or output.stdout))
        return Verdict("error", f"the metadata read on {instance_id} failed (exit "
                       f"{output.exit_code}{': ' + detail if detail else ''})", expected,
                       f"command {output.status}")
    try:
        creds = json.loads(output.stdout)
        key, updated = creds["AccessKeyId"], parse_instant(str(creds["LastUpdated"]))
    except (ValueError, KeyError, TypeError):
        first = mask_keys(_last_line(output.stdout)[:80]) or "nothing"
        return Verdict("failed", f"instance {instance_id}'s metadata holds no credentials for "
                       f"role {role} (it answered {first!r})", expected, "no credentials")
    observed = f"AccessKeyId {mask_key(key)}, LastUpdated {when(updated)}"
    if key == stolen:
        return Verdict("failed", f"instance {instance_id} still uses the stolen key "
                       f"{mask_key(stolen)}; stop and start it", expected, observed)
    if updated < revocation.moment:  # DateLessThan: issued at the moment is allowed
        return Verdict("failed", f"instance {instance_id}'s key {mask_key(key)} was issued at "
                       f"{when(updated)}, before the revocation at {when(revocation.moment)}; "
                       "stop and start it", expected, observed)
    verdict = Verdict("passed", f"instance {instance_id} now uses {mask_key(key)}, issued "
                      f"{when(updated)}, after the revocation", expected, observed)
    ctx.lasting[lasting] = verdict
    return verdict


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1].strip() if lines else ""
