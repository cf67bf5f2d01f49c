"""Does a saved GuardDuty filter select a finding? Its FindingCriteria evaluated here,
on the finding as GetFindings returns it, so a filter that names the key but narrows
the key's finding out (wrong severity, archived only, another type) does not count."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from labguide.checks.facts import parse_instant
from labguide.target import mask_keys

KEY_FIELD = "resource.accessKeyDetails.accessKeyId"

_EQ = ("Eq", "Equals")
_NEQ = ("Neq", "NotEquals")
_ORDER = {"Gt": "gt", "GreaterThan": "gt", "Gte": "gte", "GreaterThanOrEqual": "gte",
          "Lt": "lt", "LessThan": "lt", "Lte": "lte", "LessThanOrEqual": "lte"}


class Unevaluable(ValueError):
    """A criterion this evaluator cannot judge; such a filter is not counted as passing."""


def field_values(finding: Mapping[str, Any], path: str) -> list[Any]:
    """Values at a camelCase dotted path of a PascalCase finding; lists fan out."""
    current: list[Any] = [finding]
    for part in path.split("."):
        following: list[Any] = []
        for node in current:
            for item in node if isinstance(node, list) else [node]:
                if not isinstance(item, Mapping):
                    continue
                for key, value in item.items():
                    if key.lower() == part.lower():
                        following.extend(value if isinstance(value, list) else [value])
        current = following
    return [value for value in current if value is not None]


def key_values(condition: Mapping[str, Any]) -> list[str]:
    """The values an Eq/Equals condition lists."""
    values: list[str] = []
    for operator in _EQ:
        values.extend(str(v).strip() for v in condition.get(operator) or [])
    return values


def matches(criteria: Mapping[str, Any], finding: Mapping[str, Any]) -> tuple[bool, str]:
    """(True, "") when every criterion selects the finding, else (False, the first that
    does not, in words)."""
    for path, condition in (criteria.get("Criterion") or {}).items():
        ok = _condition_holds(path, condition or {}, field_values(finding, path))
        if not ok:
            return False, mask_keys(f"its criterion on {path} ({_describe(condition)}) excludes it")
    return True, ""


def _condition_holds(path: str, condition: Mapping[str, Any], values: list[Any]) -> bool:
    texts = [_text(v) for v in values]
    for operator, operand in condition.items():
        if operand is None or operand == []:
            continue
        if operator in _EQ:
            if not any(t in {_text(o) for o in operand} for t in texts):
                return False
        elif operator in _NEQ:
            if any(t in {_text(o) for o in operand} for t in texts):
                return False
        elif operator in _ORDER:
            if not any(_compare(_ORDER[operator], v, operand) for v in values):
                return False
        else:
            raise Unevaluable(f"operator {operator} on {path}")
    return True


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp() * 1000
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return parse_instant(text).timestamp() * 1000  # times compare as epoch ms


def _compare(op: str, value: Any, operand: Any) -> bool:
    try:
        left, right = _number(value), _number(operand)
    except ValueError:
        return False
    return {"gt": left > right, "gte": left >= right,
            "lt": left < right, "lte": left <= right}[op]


def _describe(condition: Mapping[str, Any]) -> str:
    parts = []
    for operator, operand in condition.items():
        shown = ", ".join(map(str, operand)) if isinstance(operand, list) else str(operand)
        parts.append(f"{operator} {shown}")
    return "; ".join(parts)
