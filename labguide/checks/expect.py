"""Judging a selected value against an `Expectation` and saying, briefly, what was found.

One vocabulary for the `aws` and `instance-command` kinds: exists, empty, equals,
contains, matches, count, all, any (labguide.scenario.kinds.Expectation).
"""

from __future__ import annotations

import json
from typing import Any

from labguide.scenario.kinds import Expectation
from labguide.scenario.patterns import full_match

# An account value longer than this is never matched against a scenario's pattern.
MAX_MATCHED_TEXT = 1_000_000

MAX_SHOWN = 5


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _same(found: Any, wanted: Any) -> bool:
    """Equal, with a number or a boolean and its text counting as the same value."""
    if isinstance(found, dict | list) or isinstance(wanted, dict | list):
        return found == wanted
    return _text(found).strip() == _text(wanted).strip()


def meets(value: Any, expect: Expectation, wanted: Any = None) -> bool:
    """Whether `value` meets `expect`; `wanted` is its operand, rendered (equals/contains)."""
    key = expect.key
    if key == "exists":
        return not is_empty(value)
    if key == "empty":
        return is_empty(value)
    if key == "equals":
        return _same(value, wanted)
    if key == "contains":
        if isinstance(value, list):
            return any(_same(item, wanted) for item in value)
        return isinstance(value, str) and _text(wanted) in value
    if key == "matches":
        items = value if isinstance(value, list) else [value]
        return any(isinstance(item, str | int | float) and
                   full_match(expect.matches or "", _text(item), ignore_case=False,
                              dot_all=True, limit=MAX_MATCHED_TEXT)
                   for item in items if item is not None)
    if key == "count":
        size = 0 if value is None else len(value) if isinstance(value, list | dict | str) else 1
        low, high = expect.count.min, expect.count.max  # type: ignore[union-attr]
        return (low is None or size >= low) and (high is None or size <= high)
    inner = expect.all if key == "all" else expect.any
    if not isinstance(value, list) or not value:
        return False
    results = (meets(item, inner, wanted) for item in value)  # type: ignore[arg-type]
    return all(results) if key == "all" else any(results)


def operand(expect: Expectation) -> Any:
    """The value equals/contains compare with (in the innermost all/any)."""
    while expect.key in ("all", "any"):
        expect = expect.all if expect.key == "all" else expect.any  # type: ignore[assignment]
    return expect.equals if expect.key == "equals" else expect.contains


def describe(value: Any) -> str:
    """What was found, in a line: nothing, a value, or a few items of a list."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        if not value:
            return "an empty list"
        shown = ", ".join(_text(item)[:80] for item in value[:MAX_SHOWN])
        more = f", … ({len(value)} in all)" if len(value) > MAX_SHOWN else ""
        return f"{len(value)} item{'s' if len(value) != 1 else ''}: {shown}{more}"
    text = _text(value)
    if text == "":
        return "empty text"
    first = text.strip().splitlines()[0] if text.strip() else text
    return first[:200] + ("…" if len(first) > 200 or len(text.strip().splitlines()) > 1 else "")
