"""Templates in a world document: the scenario's sandboxed Jinja, with native values.

A string that is exactly one `{{ expression }}` evaluates to the expression's value
(an int stays an int, a list a list, a datetime a datetime); any other string renders
as text. Keys of mappings are rendered too (a policy named after a parameter).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError

from labguide.errors import UserError
from labguide.scenario.templates import make_environment

_ONE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.DOTALL)

ENVIRONMENT = make_environment()
ENVIRONMENT.tests["startswith"] = lambda value, prefix: str(value).startswith(prefix)
ENVIRONMENT.tests["endswith"] = lambda value, suffix: str(value).endswith(suffix)


class Namespace(dict):
    """A mapping whose items read as attributes in templates (resources.web.id)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@functools.lru_cache(maxsize=2048)
def _expression(source: str) -> Any:
    return ENVIRONMENT.compile_expression(source, undefined_to_none=False)


@functools.lru_cache(maxsize=2048)
def _template(source: str) -> Any:  # a world is built many times: compile each string once
    return ENVIRONMENT.from_string(source)


def render(value: Any, variables: Mapping[str, Any], where: str) -> Any:
    """`value` with every string rendered over `variables`; UserError names `where`."""
    if isinstance(value, str):
        if "{" not in value:
            return value
        try:
            match = _ONE_EXPRESSION.match(value)
            if match:
                result = _expression(match["expr"])(**variables)
                if hasattr(result, "_undefined_name"):  # StrictUndefined: say what is missing
                    str(result)
                return result
            return _template(value).render(**variables)
        except (TemplateError, ArithmeticError, TypeError, ValueError, AttributeError,
                IndexError, KeyError) as exc:
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            raise UserError(f"world {where}: {message}") from None
    if isinstance(value, Mapping):
        return {render(key, variables, f"{where} key {key!r}") if isinstance(key, str) else key:
                render(item, variables, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render(item, variables, f"{where}[{n}]") for n, item in enumerate(value)]
    return value
