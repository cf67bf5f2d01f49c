"""Applying a step's solution: each Operation rendered with the facts, the results
of the operations before it and the account's `now`, shown, then run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from labguide.actions.base import Action, ActionResult
from labguide.actions.operation import from_operation
from labguide.scenario import solution_variables
from labguide.scenario.model import Step
from labguide.target import Target


class _Pending:
    """Stands in for an earlier call's result that a preview has not got."""

    def __getattr__(self, name: str) -> _Pending:
        return self

    def __getitem__(self, name: Any) -> _Pending:
        return self

    def __str__(self) -> str:
        return "‹from the previous call›"


def plan(step: Step, facts: Mapping[str, str | None], target: Target, *, now: str,
         results: Mapping[str, Any] | None = None) -> list[Action]:
    """Every action of the step, rendered now, without running any; a result the step
    saves (`save_as`) and `results` lacks shows as ‹from the previous call›. For showing
    what a solution would do before it is confirmed."""
    pending: dict[str, Any] = {op.save_as: _Pending() for op in step.solve if op.save_as}
    variables = solution_variables(facts, target.region, {**pending, **(results or {})}, now)
    return [from_operation(op, variables).for_target(target) for op in step.solve]


def apply(step: Step, facts: Mapping[str, str | None], target: Target, *, now: str,
          confirmed: bool = False,
          before: Callable[[Action], None] | None = None) -> list[ActionResult]:
    """Run the step's operations in order; `before` sees each action before it runs."""
    results: dict[str, Any] = {}
    done: list[ActionResult] = []
    for op in step.solve:
        variables = solution_variables(facts, target.region, results, now)
        action = from_operation(op, variables).for_target(target)
        if before is not None:
            before(action)
        result = action.run(target, confirmed=confirmed)
        if action.save_as:
            results[action.save_as] = result.response
        done.append(result)
    return done
