"""Run a shell command on an instance through SSM Run Command and read its output,
bounded in time: what the shell pane and the key-rotated check both need."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from labguide.target import AwsCallFailed, Target

DOCUMENT = "AWS-RunShellScript"
_PENDING = frozenset({"Pending", "InProgress", "Delayed"})
_UNREACHED = frozenset({"Undeliverable", "TimedOut", "Cancelled", "Terminated", "Cancelling"})
IMDS = "http://169.254.169.254"


def imds_v2_commands(role_name: str) -> list[str]:
    """The IMDSv2 two-liner that prints the instance's role credentials as JSON."""
    return [
        f'TOKEN=$(curl -s -X PUT "{IMDS}/latest/api/token" '
        '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600")',
        f'curl -s -H "X-aws-ec2-metadata-token: $TOKEN" '
        f"{IMDS}/latest/meta-data/iam/security-credentials/{role_name}",
    ]


_SECRET_FIELDS = re.compile(
    r'("(?:SecretAccessKey|Token|SessionToken|secretAccessKey|sessionToken)"\s*:\s*")([^"]*)(")')


# Bare secrets, wherever a command prints them (env, aws configure export, logs): a run
# of exactly 40 secret-key characters, or a long base64 run such as a session token
# (IQoJ...). Mixed case is required, so hex digests and lowercase paths stay readable.
_BARE_SECRET = re.compile(
    r"(?<![A-Za-z0-9/+])(?:[A-Za-z0-9/+]{40}|[A-Za-z0-9/+]{100,}={0,2})(?![A-Za-z0-9/+=])")


def _cut(secret: str) -> str:
    return f"{secret[:4]}…(redacted)"


def _redact_bare(match: re.Match[str]) -> str:
    run = match.group(0)
    mixed_case = any(c.isupper() for c in run) and any(c.islower() for c in run)
    return _cut(run) if mixed_case else run


def redact_secrets(text: str) -> str:
    """Instance metadata credentials made showable: the secret key and the token are cut
    to their first four characters, in JSON fields and bare; the AccessKeyId stays (it is
    what learners compare)."""
    text = _SECRET_FIELDS.sub(lambda m: f"{m.group(1)}{_cut(m.group(2))}{m.group(3)}", text)
    return _BARE_SECRET.sub(_redact_bare, text)


class InstanceUnreachable(Exception):
    """SSM could not run the command on the instance (agent offline, not managed,
    undeliverable, timed out); `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ShellOutput:
    command_id: str
    status: str  # Success or Failed
    exit_code: int
    stdout: str
    stderr: str


def send(target: Target, instance_id: str, commands: list[str], comment: str = "",
         delivery_timeout: int | None = None) -> str:
    """SendCommand; returns the command id. `delivery_timeout` (>= 30 s) makes SSM drop
    the command if the agent does not pick it up in time, instead of running it later."""
    params: dict = {"InstanceIds": [instance_id], "DocumentName": DOCUMENT,
                    "Parameters": {"commands": commands}}
    if delivery_timeout is not None:
        params["TimeoutSeconds"] = max(30, delivery_timeout)
    if comment:
        params["Comment"] = comment[:100]
    try:
        response = target.call("ssm", "SendCommand", **params)
    except AwsCallFailed as failure:
        if failure.code in ("InvalidInstanceId", "InvalidInstanceInformationFilterValue"):
            raise InstanceUnreachable(
                f"SSM cannot reach instance {instance_id} ({failure.code}): it is not "
                "running, its SSM agent is offline, or its role lacks SSM permissions"
            ) from None
        raise
    return response["Command"]["CommandId"]


def wait_output(target: Target, command_id: str, instance_id: str,
                timeout: float | None = None) -> ShellOutput:
    """Poll GetCommandInvocation until the command ends or `timeout` seconds pass."""
    local = target.kind != "aws" and not target.is_real_account
    timeout = timeout if timeout is not None else (1.5 if local else 20.0)
    delay, ceiling = (0.01, 0.25) if local else (0.5, 3.0)
    deadline = time.monotonic() + timeout
    while True:
        try:
            inv = target.call("ssm", "GetCommandInvocation", CommandId=command_id,
                              InstanceId=instance_id)
        except AwsCallFailed as failure:
            if failure.code != "InvocationDoesNotExist":
                raise
            inv = {"Status": "Pending"}
        status = inv.get("Status", "Pending")
        if status not in _PENDING:
            break
        if time.monotonic() + delay > deadline:
            raise InstanceUnreachable(
                f"the command on instance {instance_id} did not finish within {timeout:g} s "
                f"(status {status}): its SSM agent may be offline")
        time.sleep(delay)
        delay = min(delay * 2, ceiling)
    if status in _UNREACHED:
        detail = inv.get("StatusDetails") or status
        raise InstanceUnreachable(
            f"SSM could not run the command on instance {instance_id} ({detail}): its SSM "
            "agent is offline or cannot reach SSM")
    return ShellOutput(command_id=command_id, status=status,
                       exit_code=int(inv.get("ResponseCode", -1)),
                       stdout=inv.get("StandardOutputContent", "") or "",
                       stderr=inv.get("StandardErrorContent", "") or "")


def run_shell(target: Target, instance_id: str, commands: list[str], *, comment: str = "",
              timeout: float | None = None, delivery_timeout: int | None = None) -> ShellOutput:
    command_id = send(target, instance_id, commands, comment, delivery_timeout)
    return wait_output(target, command_id, instance_id, timeout)
