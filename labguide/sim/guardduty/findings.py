"""FindingCriteria matching and SortCriteria ordering over wire-form findings.

Findings are kept as the JSON GuardDuty puts on the wire (camelCase keys), so a
criterion's dotted attribute name (`resource.accessKeyDetails.accessKeyId`) is
resolved by walking that JSON. Attribute names are validated against botocore's
Finding shape, as the real service rejects names that are not finding fields.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

# Conditions of botocore's `Condition` shape, by wire name. Eq/Neq/Gt... are the
# older spellings of Equals/NotEquals/GreaterThan...; both are accepted.
LIST_OPERATORS = {"eq": "eq", "equals": "eq", "neq": "neq", "notEquals": "neq",
                  "matches": "matches", "notMatches": "not_matches"}
NUMBER_OPERATORS = {"gt": "gt", "greaterThan": "gt", "gte": "gte", "greaterThanOrEqual": "gte",
                    "lt": "lt", "lessThan": "lt", "lte": "lte", "lessThanOrEqual": "lte"}

# Fields whose values are ISO-8601 strings on the wire but compare as instants
# (criteria give epoch milliseconds, or ISO strings as CloudFormation does).
TIME_FIELDS = frozenset({
    "createdAt", "updatedAt", "service.eventFirstSeen", "service.eventLastSeen",
    "resource.instanceDetails.launchTime",
})


class CriteriaError(ValueError):
    """The request's criteria are not valid; the message says which part and why."""


@lru_cache(maxsize=1)
def _finding_shape():
    import botocore.session

    return botocore.session.get_session().get_service_model("guardduty").shape_for("Finding")


@lru_cache(maxsize=512)
def is_finding_attribute(path: str) -> bool:
    """True when `path` names a scalar (or list of scalars) field of botocore's Finding."""
    shape = _finding_shape()
    for part in path.split("."):
        while shape.type_name == "list":
            shape = shape.member
        if shape.type_name != "structure":
            return False
        by_wire = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        if part not in by_wire:
            return False
        shape = by_wire[part]
    while shape.type_name == "list":
        shape = shape.member
    return shape.type_name not in ("structure", "map")


def field_values(finding: Mapping[str, Any], path: str) -> list[Any]:
    """Every value at a dotted path; lists along the way fan out (tags.key -> each key)."""
    current: list[Any] = [finding]
    for part in path.split("."):
        following: list[Any] = []
        for node in current:
            for item in node if isinstance(node, list) else [node]:
                if isinstance(item, Mapping) and part in item:
                    value = item[part]
                    following.extend(value if isinstance(value, list) else [value])
        current = following
    return [value for value in current if value is not None]


def parse_instant_ms(value: Any) -> float:
    """Epoch milliseconds from an int (ms) or an ISO-8601 string."""
    if isinstance(value, bool):
        raise CriteriaError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text.isdigit():
        return float(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CriteriaError(f"not an ISO-8601 time or epoch milliseconds: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() * 1000


def _comparable(path: str, value: Any) -> Any:
    """A value in the form criteria compare against: instants as ms, numbers as float."""
    if path in TIME_FIELDS:
        return parse_instant_ms(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return float(value)
    return value


def _equal(path: str, actual: Any, wanted: str) -> bool:
    actual = _comparable(path, actual)
    if isinstance(actual, float):
        try:
            return actual == _comparable_number(path, wanted)
        except CriteriaError:
            return False
    return str(actual) == str(wanted)


def _comparable_number(path: str, wanted: Any) -> float:
    if path in TIME_FIELDS:
        return parse_instant_ms(wanted)
    try:
        return float(wanted)
    except (TypeError, ValueError):
        raise CriteriaError(f"{path}: {wanted!r} is not a number") from None


def validate_criteria(criteria: Any) -> dict[str, dict[str, Any]]:
    """The criterion map of a wire-form FindingCriteria, checked; raises CriteriaError."""
    if criteria in (None, {}):
        return {}
    if not isinstance(criteria, Mapping):
        raise CriteriaError("findingCriteria must be an object")
    criterion = criteria.get("criterion", {})
    if not isinstance(criterion, Mapping):
        raise CriteriaError("findingCriteria.criterion must be an object")
    for path, condition in criterion.items():
        if not is_finding_attribute(path):
            raise CriteriaError(f"{path!r} is not a finding attribute that can be filtered on")
        if not isinstance(condition, Mapping) or not condition:
            raise CriteriaError(f"{path}: a condition needs at least one operator")
        for operator, operand in condition.items():
            if operator in LIST_OPERATORS:
                if not isinstance(operand, list) or not all(isinstance(v, str) for v in operand):
                    raise CriteriaError(f"{path}.{operator}: expected a list of strings")
            elif operator in NUMBER_OPERATORS:
                _comparable_number(path, operand)
            else:
                raise CriteriaError(f"{path}: unknown condition operator {operator!r}")
    return dict(criterion)


def _condition_holds(path: str, values: list[Any], operator: str, operand: Any) -> bool:
    kind = LIST_OPERATORS.get(operator) or NUMBER_OPERATORS[operator]
    if kind == "eq":
        return any(_equal(path, v, w) for v in values for w in operand)
    if kind == "neq":
        return not any(_equal(path, v, w) for v in values for w in operand)
    if kind == "matches":
        return any(fnmatch.fnmatchcase(str(v), w) for v in values for w in operand)
    if kind == "not_matches":
        return not any(fnmatch.fnmatchcase(str(v), w) for v in values for w in operand)
    limit = _comparable_number(path, operand)
    numbers = []
    for value in values:
        try:
            numbers.append(_comparable_number(path, value))
        except CriteriaError:
            continue
    compare = {
        "gt": lambda n: n > limit, "gte": lambda n: n >= limit,
        "lt": lambda n: n < limit, "lte": lambda n: n <= limit,
    }[kind]
    return any(compare(n) for n in numbers)


def matches(finding: Mapping[str, Any], criterion: Mapping[str, Mapping[str, Any]]) -> bool:
    """True when every condition of every attribute holds for the finding (AND)."""
    for path, condition in criterion.items():
        values = field_values(finding, path)
        for operator, operand in condition.items():
            if not _condition_holds(path, values, operator, operand):
                return False
    return True


def sort_findings(findings: Iterable[Mapping[str, Any]], sort: Any) -> list[Mapping[str, Any]]:
    """Order by SortCriteria {attributeName, orderBy}; findings lacking the field go last."""
    ordered = list(findings)
    if not sort:
        return ordered
    if not isinstance(sort, Mapping):
        raise CriteriaError("sortCriteria must be an object")
    path = sort.get("attributeName")
    order = sort.get("orderBy", "ASC")
    if order not in ("ASC", "DESC"):
        raise CriteriaError(f"sortCriteria.orderBy must be ASC or DESC, not {order!r}")
    if not path:
        return ordered
    if not is_finding_attribute(path):
        raise CriteriaError(f"{path!r} is not a finding attribute that can be sorted on")

    def key(finding: Mapping[str, Any]) -> tuple[int, Any]:
        values = field_values(finding, path)
        if not values:
            return (1, "")
        value = _comparable(path, values[0])
        return (0, (0, value) if isinstance(value, float) else (1, str(value)))

    present = [f for f in ordered if field_values(f, path)]
    missing = [f for f in ordered if not field_values(f, path)]
    present.sort(key=key, reverse=order == "DESC")
    return present + missing
