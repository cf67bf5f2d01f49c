"""An Action: a short, declarative sequence of AWS calls (and waits, and shell
commands through SSM) that a solution or a pane performs, with its AWS CLI
equivalent and whether it changes the account.

On a real account a changing action sends nothing unless the target allows
changes and the caller confirmed: the guard sits here, in front of every call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions as bex

from labguide.actions import cli_text, shell
from labguide.errors import UserError
from labguide.readops import is_read
from labguide.target import AwsCallFailed, Target, mask_keys


class ActionRefused(UserError):
    """The action would change a real account without permission; nothing was sent."""


class ConfirmationRequired(ActionRefused):
    def __init__(self, action: Action):
        super().__init__(f"this changes the real account: {action.describe()}; "
                         "confirm to go ahead (nothing was sent)")
        self.action = action


class ChangesNotAllowed(ActionRefused):
    def __init__(self, action: Action):
        super().__init__(f"changes to a real account are off, so this was not done: "
                         f"{action.describe()} (allow them with --allow-changes or --yes)")
        self.action = action


class ActionFailed(UserError):
    """An AWS call of the action failed; the message says which and why."""

    def __init__(self, action: Action, reason: str):
        super().__init__(f"{action.describe()} failed: {reason}")
        self.action = action
        self.reason = reason


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: dict[str, Any]

    @property
    def changes_account(self) -> bool:
        return not is_read(self.service, self.operation)

    def cli(self, region: str | None, endpoint_url: str | None) -> str:
        return cli_text.call_line(self.service, self.operation, self.params, region=region,
                                  endpoint_url=endpoint_url)


@dataclass(frozen=True)
class Wait:
    service: str
    waiter: str
    params: dict[str, Any]
    changes_account = False

    def cli(self, region: str | None, endpoint_url: str | None) -> str:
        return cli_text.wait_line(self.service, self.waiter, self.params, region=region,
                                  endpoint_url=endpoint_url)


@dataclass(frozen=True)
class Shell:
    """Run commands on an instance through SSM Run Command and read the output."""

    instance_id: str
    commands: tuple[str, ...]
    changes_account = True  # ssm:SendCommand is a change, whatever the command does

    def cli(self, region: str | None, endpoint_url: str | None) -> str:
        send = cli_text.call_line(
            "ssm", "SendCommand",
            {"InstanceIds": [self.instance_id], "DocumentName": shell.DOCUMENT,
             "Parameters": {"commands": list(self.commands)}},
            region=region, endpoint_url=endpoint_url)
        read = cli_text.call_line(
            "ssm", "GetCommandInvocation",
            {"CommandId": "COMMAND_ID", "InstanceId": self.instance_id},
            region=region, endpoint_url=endpoint_url)
        return f"{send}\n{read}"


Part = Call | Wait | Shell


@dataclass(frozen=True)
class ActionResult:
    title: str
    responses: list[dict[str, Any]] = field(default_factory=list)
    output: str | None = None  # a shell command's standard output

    @property
    def response(self) -> dict[str, Any]:
        """The last call's response (what `save_as` keeps)."""
        return self.responses[-1] if self.responses else {}


@dataclass(frozen=True)
class Action:
    title: str
    parts: tuple[Part, ...]
    region: str | None = None
    endpoint_url: str | None = None
    save_as: str | None = None

    @property
    def changes_account(self) -> bool:
        return any(part.changes_account for part in self.parts)

    @property
    def cli(self) -> str:
        """The equivalent AWS CLI command lines, one per line."""
        return "\n".join(part.cli(self.region, self.endpoint_url) for part in self.parts)

    def describe(self) -> str:
        return mask_keys(self.title)

    def for_target(self, target: Target) -> Action:
        """The same action with the target's region and endpoint in its CLI lines."""
        return Action(self.title, self.parts, target.region, target.endpoint_url, self.save_as)

    def guard(self, target: Target, confirmed: bool) -> None:
        """Refuse (sending nothing) a change to a real account not allowed and confirmed."""
        if self.changes_account and target.is_real_account:
            if not target.allow_changes:
                raise ChangesNotAllowed(self)
            if not confirmed:
                raise ConfirmationRequired(self)

    def run(self, target: Target, confirmed: bool = False) -> ActionResult:
        self.guard(target, confirmed)
        responses: list[dict[str, Any]] = []
        output: str | None = None
        for part in self.parts:
            try:
                if isinstance(part, Call):
                    response = target.call(part.service, part.operation, **part.params)
                    response.pop("ResponseMetadata", None)
                    if "StandardOutputContent" in response:  # GetCommandInvocation
                        for stream in ("StandardOutputContent", "StandardErrorContent"):
                            response[stream] = shell.redact_secrets(response.get(stream, ""))
                    responses.append(response)
                elif isinstance(part, Wait):
                    _wait(target, part)
                else:
                    result = shell.run_shell(target, part.instance_id, list(part.commands))
                    output = shell.redact_secrets(result.stdout)  # shown in panes
                    responses.append({"Status": result.status, "ResponseCode": result.exit_code,
                                      "StandardOutputContent": output,
                                      "StandardErrorContent": shell.redact_secrets(result.stderr)})
            except AwsCallFailed as failure:
                raise ActionFailed(self, failure.reason) from None
            except shell.InstanceUnreachable as exc:
                raise ActionFailed(self, exc.reason) from None
        return ActionResult(self.title, responses, output)


# How often a waiter asks a simulated account, by target kind (a real account: the waiter's
# own, 15 s for EC2). The embedded simulator is the learner's alone; an endpoint may be a class
# server shared by a whole class, where a stop (10 s of `stopping`) polled every 50 ms cost 200
# requests per participant: once a second it costs about 11, for at most a second's delay.
WAITER_POLLS: dict[str, dict[str, float]] = {
    "sim": {"Delay": 0.25, "MaxAttempts": 240},  # up to a minute
    "endpoint": {"Delay": 1, "MaxAttempts": 60},
}


def _wait(target: Target, part: Wait) -> None:
    waiter = target.client(part.service).get_waiter(part.waiter)
    try:
        if target.pass_time is not None:
            _wait_on_world_clock(waiter, part.params, target.pass_time)
        else:
            config = WAITER_POLLS.get(target.kind) if not target.is_real_account else None
            waiter.wait(**part.params, **({"WaiterConfig": config} if config else {}))
    except bex.WaiterError as exc:
        raise AwsCallFailed(
            f"waiting for {part.waiter.replace('_', ' ')} failed: {exc.kwargs.get('reason')}",
            code="WaiterError", service=part.service, operation=part.waiter) from None
    except (bex.BotoCoreError, bex.ClientError) as exc:
        from labguide.target import explain_failure

        raise explain_failure(exc, part.service, cli_text.waiter_operation(
            part.service, part.waiter), target.endpoint_url) from None


def _wait_on_world_clock(waiter: Any, params: dict[str, Any], pass_time: Any) -> None:
    """The waiter as AWS defines it (its delay, its number of attempts, its acceptors), with
    the delay passed on the world clock: one poll at a time, then `pass_time(delay)`. The
    same states decide as on AWS, and a wait that would time out there times out here."""
    delay, attempts = waiter.config.delay, waiter.config.max_attempts
    for attempt in range(1, attempts + 1):
        try:
            waiter.wait(**params, WaiterConfig={"Delay": 0, "MaxAttempts": 1})
            return
        except bex.WaiterError as exc:
            not_yet = str(exc.kwargs.get("reason", "")).startswith("Max attempts exceeded")
            if not not_yet or attempt == attempts:
                raise
        pass_time(delay)
