"""`labguide check` and `labguide solve`: judge a scenario's steps against an account,
or apply a step's solution to it.

With --sim each invocation builds a fresh simulated account and discards it at exit,
so `solve` followed by `check` in two invocations only makes sense against a
long-lived endpoint: run `labguide sim serve SCENARIO` and pass --endpoint (or the
AWS_ENDPOINT_URL it prints) to both.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from labguide.actions import Action, apply, plan
from labguide.checks import CheckRunner, RoundResult
from labguide.checks.context import Memo, RoundContext
from labguide.checks.facts import discover
from labguide.checks.results import CheckResult, StepResult, step_status
from labguide.cli import SIM_NOTE
from labguide.errors import UserError
from labguide.lab.targets import remote_target, simulator_target
from labguide.scenario import ContentError, load_scenario
from labguide.target import Target, check_simulated_region, mask_keys
from labguide.textsafe import visible

ICONS = {"passed": ("✓", "+"), "failed": ("✗", "x"), "error": ("!", "!"), "manual": ("?", "?")}

SESSION_NOTE = SIM_NOTE


class AccountUnreachable(UserError):
    """The target's account cannot be reached at all (no credentials, no such profile)."""


# ----- targets --------------------------------------------------------------------------------


@contextmanager
def open_target(args: argparse.Namespace, loaded, *, allow_changes: bool = False):
    """The target the arguments name; a --sim world lives for the duration of the block."""
    scenario = loaded.scenario
    region = getattr(args, "region", None) or scenario.region
    kind = getattr(args, "target", None) or "sim"
    if kind in ("endpoint", "aws"):
        try:
            target = remote_target(kind, endpoint=args.endpoint, region=args.region,
                                   profile=args.profile, default_region=scenario.region,
                                   allow_changes=allow_changes if kind == "aws" else None)
        except UserError as exc:  # no credentials, no such profile: the account is not reached
            raise AccountUnreachable(str(exc)) from None
        yield target
        return
    if args.profile:
        raise UserError("--profile applies to --endpoint and --aws, not to --sim")
    check_simulated_region(region)
    from labguide.sim.embedded import start_embedded

    sim = start_embedded(scenario.world.source, dict(scenario.world.params), region, seed=0,
                         realtime=False)
    try:
        yield simulator_target(sim, region)
    finally:
        sim.stop()


def _icon(status: str) -> str:
    fancy, plain = ICONS[status]
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        fancy.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return plain
    return fancy


# ----- check ----------------------------------------------------------------------------------


def round_json(scenario_id: str, target: Target, result: RoundResult) -> dict[str, Any]:
    return {"scenario": scenario_id, "target": target.describe(),
            "steps": [step.to_json() for step in result.steps]}


def print_round(scenario_id: str, target: Target, result: RoundResult,
                write: Callable[[str], Any] = print) -> None:
    where = target.describe()
    account = f" account {where['account_id']}" if "account_id" in where else ""
    write(f"{scenario_id}: {target.kind}{account} in {target.region}")
    for step in result.steps:  # scenario and AWS text: control characters made visible
        write(f"{_icon(step.status)} {step.status:<6}  step {step.id}: "
              f"{visible(step.title, lines=False)}")
        for check in step.checks:
            write(f"    {_icon(check.status)} {check.status:<6}  {check.id}: "
                  f"{visible(check.summary, lines=False)}")
            if check.status in ("failed", "error") and check.expected:
                write(f"        expected: {visible(check.expected, lines=False)}")
                if check.observed:
                    write(f"        observed: {visible(check.observed, lines=False)}")


def cmd_check(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    step_ids = [args.step] if getattr(args, "step", None) else None
    if step_ids:
        known = loaded.scenario.step_ids
        if args.step not in known:
            raise UserError(f"unknown step {args.step!r} in scenario {loaded.scenario.id}; "
                            f"steps: {', '.join(known)}")
    try:
        with open_target(args, loaded) as target, CheckRunner(loaded, target) as runner:
            result = runner.run_round(step_ids)
            if args.json:
                print(json.dumps(round_json(loaded.scenario.id, target, result), indent=2))
            else:
                print_round(loaded.scenario.id, target, result)
    except AccountUnreachable as exc:
        if args.json:  # a script reading stdout still gets the shape, every check `error`
            print(json.dumps(unread_json(args, loaded, step_ids, str(exc)), indent=2))
        raise  # the message on stderr, exit 2 (configuration), as everywhere
    return 0 if result.all_passed else 1


def unread_json(args: argparse.Namespace, loaded, step_ids: list[str] | None,
                reason: str) -> dict[str, Any]:
    """`check --json` when the account could not be reached at all: every check `error`,
    its summary the reason."""
    scenario = loaded.scenario
    steps = [scenario.step(s) for s in step_ids] if step_ids else list(scenario.steps)
    target: dict[str, Any] = {"kind": getattr(args, "target", None) or "sim",
                              "region": getattr(args, "region", None) or scenario.region}
    if getattr(args, "endpoint", None):
        target["endpoint_url"] = args.endpoint
    if getattr(args, "profile", None):
        target["profile"] = args.profile
    reason = mask_keys(visible(reason, lines=False))
    out = []
    for step in steps:
        checks = [CheckResult(id=c.id, status="error", summary=reason, expected="",
                              observed="the account could not be reached") for c in step.checks]
        out.append(StepResult(step.id, step.title, step_status(checks), checks).to_json())
    return {"scenario": scenario.id, "target": target, "steps": out, "error": reason}


# ----- solve ----------------------------------------------------------------------------------


def solve_facts(loaded, target: Target) -> tuple[dict[str, str | None], dict[str, str]]:
    ctx = RoundContext(target=target, memo=Memo())
    facts = discover(target, loaded.scenario.facts, ctx=ctx).all(runs_commands=False)
    failures = [fact.failure.reason for fact in facts.values() if fact.failure is not None]
    if failures:
        raise UserError(f"cannot read the account: {failures[0]}")
    return ({n: f.value for n, f in facts.items()},
            {n: f.reason for n, f in facts.items() if f.value is None})


def cmd_solve(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    scenario = loaded.scenario
    if args.step not in scenario.step_ids:
        raise UserError(f"unknown step {args.step!r} in scenario {scenario.id}; "
                        f"steps: {', '.join(scenario.step_ids)}")
    step = scenario.step(args.step)
    if not step.solve:
        print(f"step {step.id} has nothing to apply: answer its questions in the app")
        return 0
    with open_target(args, loaded, allow_changes=args.yes) as target:
        if target.kind == "sim":
            print(f"labguide: note: {SESSION_NOTE}", file=sys.stderr)
        values, reasons = solve_facts(loaded, target)
        now = target.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            if target.is_real_account:
                account = target.identity().account_id
                actions = plan(step, values, target, now=now)
                changing = [a for a in actions if a.changes_account]
                if changing and not args.yes:
                    print(f"solve {step.id} would change the real account {account}:")
                    for action in changing:
                        print(f"  - {action.describe()}")
                        for line in action.cli.splitlines():
                            print(f"      {line}")
                    print("nothing was changed; add --yes to apply")
                    return 2

            def show(action: Action) -> None:
                if target.is_real_account and action.changes_account:
                    print(f"changing account {target.identity().account_id}: "
                          f"{action.describe()}")
                else:
                    print(f"# {action.describe()}")
                print(action.cli, flush=True)

            apply(step, values, target, now=now, confirmed=args.yes, before=show)
        except ContentError as exc:
            missing = "; ".join(f"{name}: {why}" for name, why in reasons.items())
            raise UserError(f"{exc}" + (f" ({missing})" if missing else "")) from None
    print(f"step {step.id}: solution applied")
    return 0


__all__ = ["SESSION_NOTE", "cmd_check", "cmd_solve", "open_target", "print_round",
           "round_json", "solve_facts"]
