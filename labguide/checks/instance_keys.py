"""The instance's current role credentials, read from its metadata (IMDSv2) through SSM
Run Command: the one read that the `instance-key-rotated` check, the
`instance-current-key` fact and the "paste the AccessKeyId" question share.

One Run Command per launch of the instance: the answer is kept across rounds for
that LaunchTime (within a round, concurrent askers wait for the first), and an agent
that did not answer is asked again only after a while. On a real account whose
changes are off nothing is sent at all: Run Command is a change (labguide.readops),
so the reader says so and what the learner can do instead.

Only AccessKeyId and LastUpdated are kept; the secret and the token never are.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime

from labguide.actions.shell import InstanceUnreachable, imds_v2_commands, run_shell
from labguide.awstime import iso, parse_instant
from labguide.checks.context import RoundContext
from labguide.target import mask_key, mask_keys

# An instance whose agent did not answer is asked again after this long (a freshly started
# agent registers with SSM within a minute or two); polls in between reuse the answer.
UNREACHABLE_RETRY_SECONDS = 90.0

KEY_ID = re.compile(r"\b(?:ASIA|AKIA)[A-Z0-9]{16}\b")

CHANGES_OFF = (
    "reading the instance's credentials needs ssm:SendCommand (Run Command), a change on a "
    "real account, and changes are off: run the IMDSv2 commands of this step yourself "
    "(Systems Manager > Run Command, AWS-RunShellScript, or the AWS CLI lines in the text), "
    "then paste the AccessKeyId the instance reports into this step's question; or start "
    "labguide with --allow-changes to let it run the command")


@dataclass(frozen=True)
class InstanceKey:
    access_key_id: str
    last_updated: datetime


class KeyUnread(Exception):
    """The key could not be read; `status` is the verdict it means (error, failed or
    manual), `observed` a short word for the check's observed line."""

    def __init__(self, status: str, reason: str, observed: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.observed = observed


def current_key(ctx: RoundContext, instance_id: str, role: str, launch_time: str) -> InstanceKey:
    """The AccessKeyId the instance holds now for `role`; KeyUnread says why not."""
    if not ctx.target.may_change:
        raise KeyUnread("manual", CHANGES_OFF, "not read: Run Command is a change")
    key = ("instance-key", instance_id, launch_time, role)
    return ctx.once(key, lambda: _remembered_or_read(ctx, key))


def _remembered_or_read(ctx: RoundContext, key: tuple) -> InstanceKey:
    remembered = ctx.lasting.get(key)
    if isinstance(remembered, InstanceKey):
        return remembered
    if remembered is not None and time.monotonic() < remembered[0]:
        raise remembered[1]
    _, instance_id, _, role = key
    try:
        read = _read(ctx, instance_id, role)
    except KeyUnread as unread:
        if unread.observed == "unreachable through SSM":
            ctx.lasting[key] = (time.monotonic() + UNREACHABLE_RETRY_SECONDS, unread)
        raise
    ctx.lasting[key] = read
    return read


def _read(ctx: RoundContext, instance_id: str, role: str) -> InstanceKey:
    try:
        output = run_shell(ctx.target, instance_id, imds_v2_commands(role),
                           comment="labguide: read the role credentials (key-rotated check)",
                           delivery_timeout=30)
    except InstanceUnreachable as exc:
        raise KeyUnread("error", f"cannot read the instance's credentials: {exc.reason}",
                        "unreachable through SSM") from None
    if output.status != "Success":
        detail = mask_keys(_last_line(output.stderr or output.stdout))
        raise KeyUnread("error", f"the metadata read on {instance_id} failed (exit "
                        f"{output.exit_code}{': ' + detail if detail else ''})",
                        f"command {output.status}")
    try:
        creds = json.loads(output.stdout)
        return InstanceKey(str(creds["AccessKeyId"]), parse_instant(str(creds["LastUpdated"])))
    except (ValueError, KeyError, TypeError):
        first = mask_keys(_last_line(output.stdout)[:80]) or "nothing"
        raise KeyUnread("failed", f"instance {instance_id}'s metadata holds no credentials for "
                        f"role {role} (it answered {first!r})", "no credentials") from None


def pasted_key(given: str) -> str | None:
    """The one access key id in a pasted answer (a bare id, or the JSON line around it)."""
    found = set(KEY_ID.findall(given.upper()))
    return found.pop() if len(found) == 1 else None


def describe(key: InstanceKey) -> str:
    return f"AccessKeyId {mask_key(key.access_key_id)}, LastUpdated {iso(key.last_updated)}"


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1].strip() if lines else ""
