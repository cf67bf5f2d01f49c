"""Rendering step content, the closing text and solution parameters.

All three are sandboxed StrictUndefined Jinja templates (see templates.py).
Content gets `scenario` (id, title, region), `region`, `params` (the world's
parameters) and `facts`: every declared fact, an undiscovered one (None)
shown as a visible placeholder such as `‹access key id›`. Solution parameters
get `facts`, `results`, `now` and `region`; there an undiscovered fact is an
error, since a placeholder must never reach an AWS call.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError

from labguide.errors import UserError
from labguide.scenario.content import ContentPathError, read_text
from labguide.scenario.loaded import LoadedScenario
from labguide.scenario.step_texts import StepText, fact_text
from labguide.scenario.templates import (
    NATIVE_TYPES,
    BudgetExceeded,
    FactsNamespace,
    ResultsNamespace,
    ScenarioUndefined,
    compile_expression,
    compile_template,
    error_line,
    evaluate_bounded,
    fact_placeholder,
    fact_reads,
    render_bounded,
)


class ContentError(UserError):
    """A template could not be rendered; the message names the file (or place) and line."""

    def __init__(self, where: str, line: int | None, message: str):
        self.where, self.line = where, line
        super().__init__(f"{where}:{line}: {message}" if line else f"{where}: {message}")


def content_variables(
    loaded: LoadedScenario, facts: Mapping[str, str | None], region: str | None = None
) -> dict[str, Any]:
    """The variables step content and the closing text are rendered with."""
    scenario = loaded.scenario
    region = region or scenario.region
    namespace = FactsNamespace()
    for name in scenario.facts:
        value = fact_text(facts.get(name))  # a list fact reads as its items in prose
        namespace[name] = fact_placeholder(name) if value is None else value
    return {
        "scenario": {"id": scenario.id, "title": scenario.title, "region": region},
        "region": region,
        "params": dict(scenario.world.params),
        "facts": namespace,
    }


def _render(source: str, filename: str, variables: Mapping[str, Any], lines: bool = True,
            shown: str | None = None) -> str:
    """Render within the budgets; errors name `shown` (default: the file) and its line."""
    try:
        template = compile_template(source, filename)
        return render_bounded(template, dict(variables), filename)
    except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError,
            RecursionError, MemoryError, BudgetExceeded) as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        line = error_line(exc, filename) if lines else None
        raise ContentError(shown or filename, line, message) from None


def render_step(
    loaded: LoadedScenario,
    step_id: str,
    facts: Mapping[str, str | None],
    *,
    region: str | None = None,
) -> str:
    """The markdown of a step with the facts known so far filled in."""
    try:
        path = loaded.content_path(step_id)
        source = read_text(path, "content file")
    except KeyError:
        raise UserError(f"scenario {loaded.id!r} has no step {step_id!r}") from None
    except ContentPathError as exc:
        raise ContentError(str(loaded.path), None, str(exc)) from None
    return _render(source, str(path), content_variables(loaded, facts, region))


def step_texts(loaded: LoadedScenario) -> dict[str, StepText]:
    """Every step's text with no fact known, and the facts its template reads; a step
    whose content cannot be rendered is left out (showing it says why)."""
    texts: dict[str, StepText] = {}
    for step_id in loaded.scenario.step_ids:
        try:
            source = read_text(loaded.content_path(step_id), "content file")
            markdown = render_step(loaded, step_id, {})
        except (UserError, ContentPathError, OSError):
            continue
        texts[step_id] = StepText(markdown, fact_reads(source))
    return texts


def render_finish(
    loaded: LoadedScenario, facts: Mapping[str, str | None], *, region: str | None = None
) -> str:
    """The closing markdown shown when every step is done."""
    return _render(loaded.scenario.finish, f"{loaded.path} (finish)",
                   content_variables(loaded, facts, region))


def utc_now() -> str:
    """`now` for solutions: ISO-8601 UTC, seconds precision, with a Z."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def solution_variables(
    facts: Mapping[str, str | None],
    region: str,
    results: Mapping[str, Any] | None = None,
    now: str | None = None,
) -> dict[str, Any]:
    """The variables solution params are rendered with (`now` defaults to this second)."""
    return {"facts": facts, "results": dict(results or {}), "now": now or utc_now(),
            "region": region}


def _strict_facts(facts: Mapping[str, Any]) -> FactsNamespace:
    namespace = FactsNamespace()
    for name, value in facts.items():
        namespace[name] = value if value is not None else ScenarioUndefined(
            hint=f"fact {name!r} has not been discovered yet", name=name)
    return namespace


def render_params(value: Any, variables: Mapping[str, Any], *, where: str = "params") -> Any:
    """`value` with every string in it rendered as a template; structure and keys unchanged.

    A string that is exactly one `{{ expression }}` keeps the expression's own value, as in
    world documents: a list fact stays a list (`GroupIds: "{{ facts.security_group_ids }}"`),
    a row's number a number and its boolean a boolean. Any other string renders as text.
    Raises ContentError naming the place (e.g. `params.InstanceIds[0]`).
    """
    variables = dict(variables)
    if isinstance(variables.get("facts"), Mapping) and not isinstance(
        variables["facts"], FactsNamespace
    ):
        variables["facts"] = _strict_facts(variables["facts"])
    if isinstance(variables.get("results"), Mapping):
        variables["results"] = ResultsNamespace(variables["results"])
    return _render_value(value, variables, where)


_ONE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.DOTALL)


def _native(source: str, variables: Mapping[str, Any], where: str) -> Any:
    """The value of the one expression in `source`, or `_TEXT` when it is not a plain value
    (an object only its text describes): then it renders as text."""
    filename = "<solution params expression>"
    try:
        value = evaluate_bounded(compile_expression(source, filename), dict(variables),
                                 filename)
    except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError,
            RecursionError, MemoryError, BudgetExceeded) as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise ContentError(where, None, message) from None
    if not isinstance(value, NATIVE_TYPES):
        return _TEXT
    return _plain(value)


_TEXT = object()


def _plain(value: Any) -> Any:
    """Namespaces and tuples as the plain dicts and lists boto3 takes."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _render_value(value: Any, variables: dict[str, Any], where: str) -> Any:
    if isinstance(value, str):
        if "{" not in value:
            return value
        match = _ONE_EXPRESSION.match(value)
        if match:
            native = _native(match["expr"], variables, where)
            if isinstance(native, str):  # text stays the text, spaces around it included
                return value[:value.index("{{")] + native + value[value.rindex("}}") + 2:]
            if native is not _TEXT:
                return native
        # One compiled template per text, wherever it appears (aliases repeat a text).
        return _render(value, "<solution params>", variables, lines=False, shown=where)
    if isinstance(value, Mapping):
        return {key: _render_value(item, variables, f"{where}.{key}")
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_render_value(item, variables, f"{where}[{index}]")
                           for index, item in enumerate(value))
    return value


__all__ = ["ContentError", "render_step", "render_finish", "render_params",
           "content_variables", "solution_variables", "utc_now"]
