"""`instance-command`: shell commands run on an instance through SSM Run Command
(AWS-RunShellScript), and an expectation on their output (the text, or with `select` a
JMESPath over it read as JSON).

Run Command is a change (ssm:SendCommand), even when the command only reads: on a real
account the check runs only when changes are allowed, and reports `manual` otherwise.
An instance SSM cannot reach, or a command that fails, is `error`, never `failed`.
"""

from __future__ import annotations

import json

from labguide.actions.shell import InstanceUnreachable, redact_secrets, run_shell
from labguide.checks.context import RoundContext
from labguide.checks.expect import describe, operand
from labguide.checks.kinds._common import need_fact
from labguide.checks.kinds.aws import facts_used, judge, render_text, variables
from labguide.checks.results import Verdict
from labguide.scenario import ContentError, render_params
from labguide.scenario.model import InstanceCommandCheck, Step
from labguide.target import mask_keys


def run(spec: InstanceCommandCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    names = facts_used(spec.command, spec.expected, spec.expect.model_dump())
    instance_id = need_fact(ctx, spec.instance, "the instance", spec.expected)
    values = variables(ctx, names)
    try:
        expected = render_text(spec.expected, values, f"check {spec.id} expected")
        command = render_text(spec.command, values, f"check {spec.id} command")
        wanted = render_params(operand(spec.expect), values, where=f"check {spec.id} expect")
    except ContentError as exc:
        return Verdict("error", f"check {spec.id}: {exc}")
    if ctx.focus is not None and step is not None and step.id != ctx.focus:
        # Each round would run a command on the instance (and, for an SSH probe, write
        # the host's auth log) for a step the learner is not on: it runs on its own step.
        return Verdict("manual", f"checked while step {step.id} is open: it runs a command "
                       f"on instance {instance_id}", expected, "not run: another step is open")
    target = ctx.target
    if target.is_real_account and not target.allow_changes:
        return Verdict("manual", f"reading this runs a command on instance {instance_id} "
                       "through SSM Run Command, a change to the account: allow changes to "
                       "have it checked", expected, "not run: changes are off")
    try:
        output = ctx.once(("instance-command", instance_id, command),
                          lambda: run_shell(target, instance_id, command.splitlines(),
                                            comment=f"labguide check {spec.id}"[:100],
                                            delivery_timeout=30))
    except InstanceUnreachable as exc:
        return Verdict("error", f"cannot run the command on {instance_id}: {exc.reason}",
                       expected, "unreachable through SSM")
    text = redact_secrets(output.stdout)
    if output.status != "Success":
        detail = mask_keys(redact_secrets(output.stderr or output.stdout).strip()[-200:])
        return Verdict("error", f"the command on {instance_id} failed (exit "
                       f"{output.exit_code}{': ' + detail if detail else ''})", expected,
                       f"command {output.status}")
    data: object = text
    if spec.select:
        try:
            data = json.loads(text)
        except ValueError:
            return Verdict("failed", f"the output on {instance_id} is not JSON: "
                           f"{describe(text)}", expected, describe(text))
    return judge(spec.select, data, spec.expect, wanted, expected,
                 f"the output on {instance_id}")
