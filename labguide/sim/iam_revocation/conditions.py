"""IAM condition operators, as the IAM User Guide documents them.

Reference: "IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
and "Single-valued vs. multivalued context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).

The request context maps lower-cased key names to strings (or lists of strings for
multivalued keys), as IAM itself passes every context value as a string: dates are
ISO 8601 ("2026-03-02T08:00:00Z"), booleans "true"/"false", numbers in decimal.

Semantics kept here:
- operators in a Condition block, and keys under an operator, are ANDed; the values
  given for one key are ORed (for a negated operator: the key matches none of them);
- a key absent from the request context does not match, so the condition is false,
  except for a negated operator (StringNotEquals, NotIpAddress, ...), which is then true;
  `...IfExists` makes any operator true for an absent key; `Null` tests presence itself;
- `ForAnyValue:` holds when some request value matches (false for an absent or empty key);
  `ForAllValues:` holds when every request value matches (true for an absent or empty key).
"""

from __future__ import annotations

import ipaddress
import re
from base64 import b64decode
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

ContextValue = str | list[str]
Context = Mapping[str, ContextValue]

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def substitute(text: str, context: Context) -> str:
    """Policy variables (`${aws:username}`, `${*}`, `${?}`, `${$}`) in a value or ARN.

    A variable whose key is absent (or multivalued) leaves the text unmatchable, as IAM
    documents: the value then compares with nothing."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ("*", "?", "$"):
            return "\0" + name  # a literal, kept apart from wildcards by `glob_regex`
        key, _, default = name.partition(",")
        found = context.get(key.strip().lower())
        if isinstance(found, str):
            return found
        default = default.strip()
        if default.startswith("'") and default.endswith("'") and len(default) >= 2:
            return default[1:-1]
        return "\0unresolved"

    return _VARIABLE.sub(value, text) if "${" in text else text


def literal(substituted: str) -> str:
    """A substituted value for a plain comparison: ${*} is then just "*"."""
    return re.sub(r"\0([*?$])", r"\1", substituted) if "\0" in substituted else substituted


@lru_cache(maxsize=4096)
def glob_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """`*` any run of characters, `?` one character, everything else literal."""
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\0":  # a substituted literal from ${*} / ${?} / ${$}, or no value
            rest = pattern[index + 1:]
            if rest.startswith("unresolved"):
                parts.append("(?!)")
                index += len("unresolved") + 1
                continue
            parts.append(re.escape(rest[:1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return glob_regex(pattern, ignore_case).fullmatch(value) is not None


def parse_date(value: Any) -> datetime | None:
    """An IAM date: ISO 8601 (with or without zone, "Z" allowed, date only) or epoch seconds."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), UTC)
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError, IndexError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _compare_numbers(test: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, wanted: str) -> bool:
        a, w = _number(actual), _number(wanted)
        return a is not None and w is not None and test(a, w)

    return compare


def _compare_dates(test: Callable[[datetime, datetime], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, wanted: str) -> bool:
        a, w = parse_date(actual), parse_date(wanted)
        return a is not None and w is not None and test(a, w)

    return compare


def _ip_in(actual: str, wanted: str) -> bool:
    try:
        address = ipaddress.ip_address(actual.strip())
        network = ipaddress.ip_network(wanted.strip(), strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


def _arn_like(actual: str, wanted: str) -> bool:
    """Each of the six colon-separated ARN parts is matched separately, wildcards allowed."""
    actual_parts = actual.split(":", 5)
    wanted_parts = wanted.split(":", 5)
    if len(actual_parts) != 6 or len(wanted_parts) != 6:
        return False
    return all(glob_match(w, a) for a, w in zip(actual_parts, wanted_parts, strict=True))


def _binary_equals(actual: str, wanted: str) -> bool:
    try:
        return b64decode(actual, validate=True) == b64decode(wanted, validate=True)
    except ValueError:
        return False


# operator (lower case) -> (does one request value match one policy value?, negated?)
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "stringequals": (lambda a, w: a == w, False),
    "stringnotequals": (lambda a, w: a == w, True),
    "stringequalsignorecase": (lambda a, w: a.casefold() == w.casefold(), False),
    "stringnotequalsignorecase": (lambda a, w: a.casefold() == w.casefold(), True),
    "stringlike": (lambda a, w: glob_match(w, a), False),
    "stringnotlike": (lambda a, w: glob_match(w, a), True),
    "numericequals": (_compare_numbers(lambda a, w: a == w), False),
    "numericnotequals": (_compare_numbers(lambda a, w: a == w), True),
    "numericlessthan": (_compare_numbers(lambda a, w: a < w), False),
    "numericlessthanequals": (_compare_numbers(lambda a, w: a <= w), False),
    "numericgreaterthan": (_compare_numbers(lambda a, w: a > w), False),
    "numericgreaterthanequals": (_compare_numbers(lambda a, w: a >= w), False),
    "dateequals": (_compare_dates(lambda a, w: a == w), False),
    "datenotequals": (_compare_dates(lambda a, w: a == w), True),
    "datelessthan": (_compare_dates(lambda a, w: a < w), False),
    "datelessthanequals": (_compare_dates(lambda a, w: a <= w), False),
    "dategreaterthan": (_compare_dates(lambda a, w: a > w), False),
    "dategreaterthanequals": (_compare_dates(lambda a, w: a >= w), False),
    "bool": (lambda a, w: a.strip().lower() == w.strip().lower(), False),
    "binaryequals": (_binary_equals, False),
    "ipaddress": (_ip_in, False),
    "notipaddress": (_ip_in, True),
    "arnequals": (_arn_like, False),
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
}
_SUBSTITUTING = ("string", "arn")  # operator families whose values take policy variables
SET_QUALIFIERS = ("foranyvalue", "forallvalues")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def operator_known(operator: str) -> bool:
    qualifier, _, name = operator.rpartition(":")
    name = name.lower()
    if qualifier and qualifier.lower() not in SET_QUALIFIERS:
        return False
    if name.endswith("ifexists") and name != "null":
        name = name[: -len("ifexists")]
    return name == "null" or name in OPERATORS


def key_holds(operator: str, key: str, policy_values: Any, context: Context) -> bool:
    """One key under one operator of a Condition block, against the request context."""
    qualifier, _, name = operator.rpartition(":")
    qualifier, name = qualifier.lower(), name.lower()
    if qualifier and qualifier not in SET_QUALIFIERS:
        return False  # IAM refuses such a policy; here it can only not apply
    wanted = [_as_text(v) for v in _as_list(policy_values)]
    found = context.get(key.lower())
    present = found is not None and found != []
    if name == "null":
        # "true": the key must be absent; "false": it must be present.
        return any((w.lower() == "true") != present for w in wanted)
    if_exists = name.endswith("ifexists")
    if if_exists:
        name = name[: -len("ifexists")]
    known = OPERATORS.get(name)
    if known is None:
        return False
    match, negated = known
    if not present:
        if qualifier == "forallvalues":
            return True
        if qualifier == "foranyvalue":
            return False
        return if_exists or negated
    if name.startswith(_SUBSTITUTING):
        wanted = [substitute(w, context) for w in wanted]
        if "like" not in name and not name.startswith("arn"):  # compared as plain text
            wanted = [literal(w) for w in wanted]
    actual_values = found if isinstance(found, list) else [found]

    def holds_for(actual: str) -> bool:
        matched = any(match(actual, w) for w in wanted)
        return not matched if negated else matched

    if qualifier == "forallvalues":
        return all(holds_for(a) for a in actual_values)
    return any(holds_for(a) for a in actual_values)


def conditions_hold(block: Any, context: Context) -> bool:
    """A statement's whole Condition element: every operator, every key, must hold."""
    if not block:
        return True
    if not isinstance(block, dict):
        return False
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            return False
        for key, values in keys.items():
            if not key_holds(operator, key, values, context):
                return False
    return True
