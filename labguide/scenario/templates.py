"""The one Jinja environment scenario templates run in, and what can be known before running.

Templates are data from a scenario file: they run in Jinja's sandbox, an
undefined name is an error (never an empty string), and arithmetic that would
build huge values is refused. `template_problems` finds, without rendering,
syntax errors and names a template uses that it will not be given, so
`labguide validate` reports them with their line.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType, TracebackType
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment

# Longest string or list arithmetic, a filter or a function may build, and largest exponent.
MAX_BUILT_LENGTH = 100_000
MAX_EXPONENT = 1_000
# What one rendering may produce and how long it may run.
MAX_OUTPUT_CHARS = 200_000
MAX_RENDER_SECONDS = 1.0


class BudgetExceeded(Exception):
    """A template went over an evaluation budget (size or time); the message says which."""


class FactsNamespace(dict):
    """The `facts` template variable: exactly the declared facts, by name."""


class ResultsNamespace(dict):
    """The `results` variable of solutions: responses saved by earlier operations, by name."""


class ScenarioUndefined(StrictUndefined):
    """StrictUndefined whose message says which fact or variable is missing."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:  # type: ignore[override]
        if isinstance(self._undefined_obj, FactsNamespace):
            return f"the scenario declares no fact {self._undefined_name!r}"
        if isinstance(self._undefined_obj, ResultsNamespace):
            return (f"no earlier operation of this solution saved its response as "
                    f"{self._undefined_name!r} (save_as)")
        return super()._undefined_message


_WIDE = re.compile(r"\d{6,}")


def check_format_widths(fmt: Any) -> None:
    """A format string may not ask for a field wider than the budget ('%300000000s')."""
    if isinstance(fmt, str):
        for digits in _WIDE.findall(fmt):
            if int(digits) > MAX_BUILT_LENGTH:
                raise BudgetExceeded(f"a format asks for a field {digits} wide, more than the "
                                     f"budget of {MAX_BUILT_LENGTH}")


class ScenarioEnvironment(SandboxedEnvironment):
    """Sandboxed, strict, and bounded in what `*`, `**`, `+` and `%` may build."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def wrap_str_format(self, value: Any) -> Any:  # str.format / format_map in templates
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_format_widths(value.__self__)
        return wrapped

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%":
            check_format_widths(left)
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise self.security_error("exponent too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    if len(seq) * times > MAX_BUILT_LENGTH:
                        raise self.security_error("result too long")
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, str | list | tuple) and len(result) > MAX_BUILT_LENGTH:
            raise self.security_error("result too long")
        return result

    def security_error(self, message: str) -> Exception:
        from jinja2.exceptions import SecurityError

        return SecurityError(message)


def _bounded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (a filter, test or global) refusing numbers that would size a huge
    result (center(300000000), lipsum(3000000), range(10**9)) and results too long."""

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if name == "format" and args:
            check_format_widths(args[0])
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) \
                    and abs(value) > MAX_BUILT_LENGTH:
                raise BudgetExceeded(f"{name}() was given {value}, more than the budget of "
                                     f"{MAX_BUILT_LENGTH}")
        result = function(*args, **kwargs)
        if isinstance(result, str | list | tuple | range) and len(result) > MAX_BUILT_LENGTH:
            raise BudgetExceeded(f"{name}() built more than {MAX_BUILT_LENGTH} items")
        return result

    return bounded


def make_environment() -> ScenarioEnvironment:
    env = ScenarioEnvironment(
        undefined=ScenarioUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=False, lstrip_blocks=False,
    )
    for table in (env.filters, env.tests, env.globals):
        for name, value in list(table.items()):
            if callable(value) and not isinstance(value, type):
                table[name] = _bounded(name, value)
    env.globals["range"] = _bounded("range", range)
    return env


@contextlib.contextmanager
def _time_bounded(filename: str) -> Iterator[None]:
    """At most MAX_RENDER_SECONDS in the template's code. The time limit is a trace function:
    line events in the template's own frames, so loops that print nothing stop too, and every
    call, so a long built-in the template calls (lipsum(99999) took 40 s) stops as well."""
    deadline = time.monotonic() + MAX_RENDER_SECONDS

    def over_time() -> None:
        if time.monotonic() > deadline:
            raise BudgetExceeded(f"rendering took longer than {MAX_RENDER_SECONDS:g} s "
                                 "(the budget of a template)")

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        over_time()
        return on_line

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        over_time()
        return on_line if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


def render_bounded(template: Any, variables: dict[str, Any], filename: str) -> str:
    """Render within the budgets: at most MAX_OUTPUT_CHARS of output and
    MAX_RENDER_SECONDS of time."""
    with _time_bounded(filename):
        parts: list[str] = []
        size = 0
        for chunk in template.generate(**variables):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise BudgetExceeded(f"the template's output is longer than {MAX_OUTPUT_CHARS} "
                                     "characters (the budget of a template)")
            parts.append(chunk)
        return "".join(parts)


NATIVE_TYPES = (str, int, float, bool, list, tuple, dict, type(None))


def evaluate_bounded(template: Any, variables: dict[str, Any], filename: str) -> Any:
    """The value of an expression compiled by `compile_expression`, within the same
    budgets as a rendering (time; its size as text at most MAX_OUTPUT_CHARS). An undefined
    name anywhere in the value is the error it is in a rendering."""
    with _time_bounded(filename):
        context = template.new_context(dict(variables))
        for _ in template.root_render_func(context):
            pass
    value = context.vars.get("result")
    _check_size(value)
    return value


def _check_size(value: Any) -> None:
    size, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, Undefined):
            str(item)  # StrictUndefined: raises, saying which name is missing
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
            size += 2
        elif isinstance(item, list | tuple):
            pending.extend(item)
            size += 2
        else:
            size += len(str(item))
        if size > MAX_OUTPUT_CHARS:
            raise BudgetExceeded(f"the expression's value is longer than {MAX_OUTPUT_CHARS} "
                                 "characters (the budget of a template)")


ENVIRONMENT = make_environment()


@functools.lru_cache(maxsize=256)
def compile_expression(source: str, filename: str):
    """A template that computes one expression into `result` (as Jinja's own
    compile_expression does), compiled under `filename` so the time budget sees it."""
    parser = Parser(ENVIRONMENT, source, state="variable")
    expression = parser.parse_expression()
    if not parser.stream.eos:
        raise TemplateSyntaxError("unexpected text after the expression",
                                  parser.stream.current.lineno, filename, filename)
    tree = nodes.Template([nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)],
                          lineno=1)
    tree.set_environment(ENVIRONMENT)
    code = ENVIRONMENT.compile(tree, name=filename, filename=filename)
    return ENVIRONMENT.template_class.from_code(
        ENVIRONMENT, code, ENVIRONMENT.make_globals(None), None
    )


@functools.lru_cache(maxsize=256)
def compile_template(source: str, filename: str):
    """A Template whose errors and tracebacks carry `filename` and template lines (cached:
    the app re-renders a step whenever a fact is discovered)."""
    code = ENVIRONMENT.compile(source, name=filename, filename=filename)
    return ENVIRONMENT.template_class.from_code(
        ENVIRONMENT, code, ENVIRONMENT.make_globals(None), None
    )


def error_line(exc: BaseException, filename: str) -> int | None:
    """The template line an exception was raised at, from Jinja's rewritten traceback."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int) and getattr(exc, "filename", filename) == filename:
        return lineno
    line = None
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def template_problems(
    source: str,
    known: Iterable[str],
    facts: Iterable[str] | None,
    results: Iterable[str] | None = None,
) -> list[tuple[int, str]]:
    """(template line, message) for syntax errors and names the template will not be given.

    `known` are the top-level variables it gets; when `facts` is given, every
    `facts.NAME` / `facts["NAME"]` must name one of them; likewise `results`.
    """
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        return [(exc.lineno or 1, f"template syntax error: {exc.message}")]
    except RecursionError:
        return [(1, "template nesting is too deep")]
    known = set(known)
    problems: list[tuple[int, str]] = []
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    reported: set[tuple[int, str]] = set()
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in known and name.name not in assigned:
            key = (name.lineno, name.name)
            if key not in reported and name.name not in ENVIRONMENT.globals:
                reported.add(key)
                problems.append((name.lineno, f"template uses an undefined name {name.name!r}; "
                                 f"known: {', '.join(sorted(known))}"))
    if facts is not None:
        facts = set(facts)
        for fact, lineno in _lookups(tree, "facts"):
            if fact not in facts:
                problems.append((lineno, f"template uses fact {fact!r}, which the scenario does "
                                 "not declare"))
    if results is not None:
        results = set(results)
        for name, lineno in _lookups(tree, "results"):
            if name not in results:
                saved = ", ".join(sorted(results)) or "none"
                problems.append((lineno, f"template uses results.{name}, which no earlier "
                                 f"operation of this step saves (save_as so far: {saved})"))
    return problems


def budget_problems(source: str, filename: str, variables: dict[str, Any]) -> list[tuple[int, str]]:
    """(template line, message) if a trial rendering with these (placeholder) variables goes
    over a budget; other rendering errors are left to the real rendering, which has the
    real values."""
    try:
        template = compile_template(source, filename)
        render_bounded(template, variables, filename)
    except BudgetExceeded as exc:
        return [(error_line(exc, filename) or 1, f"over budget: {exc}")]
    except Exception:  # noqa: BLE001 - only budgets are judged here
        return []
    return []


def trial_variables(data: dict[str, Any]) -> dict[str, Any]:
    """Placeholder values for every variable a template of this scenario may use."""

    class Anything(dict):  # any key, any attribute: a placeholder
        def __missing__(self, key: str) -> str:
            return fact_placeholder(str(key))

    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    world = data.get("world") if isinstance(data.get("world"), dict) else {}
    params = world.get("params") if isinstance(world.get("params"), dict) else {}
    namespace = FactsNamespace({str(name): fact_placeholder(str(name)) for name in facts})
    region = data.get("region") if isinstance(data.get("region"), str) else "us-east-1"
    return {"scenario": {"id": data.get("id"), "title": data.get("title"), "region": region},
            "region": region, "params": dict(params), "facts": namespace,
            "results": Anything(), "now": "2026-01-01T00:00:00Z"}


def fact_reads(source: str) -> frozenset[str] | None:
    """The facts a template reads (`facts.NAME`, `facts["NAME"]`), or None when it uses
    `facts` any other way (whole, by a computed key, as a dict's method, rebound): then
    any fact may change what it renders."""
    tree = ENVIRONMENT.parse(source)
    uses = [n for n in tree.find_all(nodes.Name) if n.name == "facts"]
    lookups = list(_lookups(tree, "facts"))  # each use that names its fact
    names = {name for name, _ in lookups}
    if any(n.ctx != "load" for n in uses) or len(lookups) != len(uses) or \
            any(hasattr(dict, name) for name in names):
        return None
    return frozenset(names)


def _lookups(tree: nodes.Template, namespace: str) -> Iterable[tuple[str, int]]:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if not (isinstance(target, nodes.Name) and target.name == namespace):
            continue
        if isinstance(node, nodes.Getattr):
            yield node.attr, node.lineno
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            yield node.arg.value, node.lineno


def fact_placeholder(name: str) -> str:
    """What an undiscovered fact renders as: visible, and plainly not a value."""
    return f"‹{name.replace('_', ' ')}›"


# The variables each kind of template is given (render.py builds them).
CONTENT_VARIABLES: tuple[str, ...] = ("scenario", "region", "params", "facts")
SOLUTION_VARIABLES: tuple[str, ...] = ("facts", "results", "now", "region")
# Declared reads (aws facts and checks, instance commands, table panes) and row actions.
READ_VARIABLES: tuple[str, ...] = ("facts", "region")
ROW_ACTION_VARIABLES: tuple[str, ...] = ("facts", "region", "row")
