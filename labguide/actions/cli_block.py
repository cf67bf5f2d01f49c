"""A runnable AWS CLI block of the guide (```sh run=aws) as an action on the lab's account.

Each `aws` line is read into the API call it makes (labguide.scenario.aws_cli, from
botocore's models) and sent through the lab's Target, not handed to an `aws` program:
the guard classifies exactly the operation that is sent (labguide.readops), the target's
own refusal of changes on a read-only real account stays in front of every call, the
credentials never go into a child process's environment, and the learner needs no AWS
CLI installed. Reads page as the CLI pages; each answer is printed as the CLI prints
it (--query, --output json|text|table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labguide.actions.base import Action, ActionFailed, Call, Wait, _wait
from labguide.actions.reads import all_pages
from labguide.actions.shell import redact_secrets
from labguide.readops import is_read
from labguide.scenario import aws_cli
from labguide.scenario.aws_cli import CliCommand
from labguide.target import AwsCallFailed, Target, mask_keys


@dataclass
class CommandOutput:
    """What one command printed: its output, or the error the CLI would have printed."""

    command: str
    output: str = ""
    error: str = ""


def _part(command: CliCommand) -> Call | Wait:
    if command.waiter is not None:
        return Wait(command.service, command.waiter, command.params)
    return Call(command.service, command.operation, command.params)


@dataclass(frozen=True)
class CliBlockAction:
    """The commands of one block, run in order; the first failure stops the rest (as a
    learner would stop). `transcript` fills as they run, so a failure still shows what
    the commands before it printed."""

    commands: tuple[CliCommand, ...]
    transcript: list[CommandOutput] = field(default_factory=list, compare=False)
    shows_output = True  # the app opens what it printed (no "done" notice over it)

    @property
    def changes_account(self) -> bool:
        return any(not is_read(c.service, c.operation) for c in self.commands
                   if c.waiter is None)

    @property
    def cli(self) -> str:
        return "\n".join(command.text for command in self.commands)

    def describe(self) -> str:
        """Short (toasts and dialog titles): the first command's service and operation."""
        first = " ".join(self.commands[0].text.split()[:3])
        more = f" and {len(self.commands) - 1} more" if len(self.commands) > 1 else ""
        return mask_keys(f"{first} …{more} on the lab's account")

    def for_target(self, _target: Target) -> CliBlockAction:
        return self

    def run(self, target: Target, confirmed: bool = False) -> list[CommandOutput]:
        # The actions' own guard: nothing is sent to a real account not opened for changes.
        Action(self.describe(), tuple(_part(c) for c in self.commands)).guard(target, confirmed)
        self.transcript.clear()
        for command in self.commands:
            shown = CommandOutput(command.text)
            self.transcript.append(shown)
            try:
                shown.output = redact_secrets(_run(target, command))
            except AwsCallFailed as failure:
                shown.error = cli_error(failure)
                raise ActionFailed(Action(self.describe(), ()), failure.reason) from None
        return list(self.transcript)


def _run(target: Target, command: CliCommand) -> str:
    if command.waiter is not None:
        _wait(target, Wait(command.service, command.waiter, command.params))
        return ""  # the CLI's waiters print nothing
    if is_read(command.service, command.operation):
        answer = all_pages(target, command.service, command.operation, command.params,
                           region=command.region)
    else:
        from labguide.actions.operation import shaped_params

        params = shaped_params(command.service, command.operation, command.params)
        answer = target.call(command.service, command.operation, region=command.region,
                             **params)
        answer.pop("ResponseMetadata", None)
    if not answer and not command.options.get("query"):
        return ""  # the CLI prints nothing for an empty answer (StopInstances' is not)
    return aws_cli.render(answer, command.options, command.operation)


def cli_error(failure: AwsCallFailed) -> str:
    """The failure as the AWS CLI writes it, with labguide's reason."""
    return (f"An error occurred ({failure.code}) when calling the {failure.operation} "
            f"operation: {failure.reason}")
