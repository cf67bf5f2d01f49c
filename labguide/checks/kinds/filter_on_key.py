"""`guardduty-filter-on-key`: a saved GuardDuty filter selects the compromised key.

A filter names the key when its criterion on the key field lists it; it selects the
key's finding when GuardDuty itself, asked ListFindings with the filter's criteria,
returns that finding. So a filter that names the key but narrows its finding out
(severity, archived, another type) does not count, exactly as the console would show.
"""

from __future__ import annotations

from typing import Any

from labguide.checks.context import RoundContext
from labguide.checks.facts import newest_finding
from labguide.checks.kinds._common import Unmet, need_fact
from labguide.checks.kinds._saved_filters import filter_names, filters_naming, finding_ids
from labguide.checks.results import Verdict
from labguide.scenario.model import FilterOnKeyCheck, Step
from labguide.target import AwsCallFailed, mask_key, mask_keys

KEY_FIELD = "resource.accessKeyDetails.accessKeyId"


def run(spec: FilterOnKeyCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    detector = need_fact(ctx, spec.detector, "the GuardDuty detector")
    key = need_fact(ctx, spec.key, "the compromised access key",
                    f"a saved filter on {KEY_FIELD} = the compromised key")
    expected = f"a saved filter on {KEY_FIELD} = {mask_key(key)}"
    finding = _finding_of(ctx, spec.key)
    names = filter_names(ctx, detector)
    if not names:
        return Verdict("failed", f"no saved GuardDuty filter selects {mask_key(key)} yet",
                       expected, "no saved filters")
    misses: list[str] = []
    for name, criteria in filters_naming(ctx, detector, names, KEY_FIELD, key, misses,
                                         "the key's findings"):
        selected, why = _selects(ctx, detector, criteria, finding["Id"])
        if not selected:
            misses.append(f"'{name}' names the key but {why}")
            continue
        return Verdict("passed", f"saved filter '{name}' selects {mask_key(key)}", expected,
                       f"saved filter '{name}' on {KEY_FIELD} = {mask_key(key)}")
    count = f"{len(names)} saved filter{'s' if len(names) != 1 else ''}"
    if misses:
        return Verdict("failed", f"{count}; " + "; ".join(misses), expected,
                       f"{count}; " + "; ".join(misses))
    return Verdict("failed", f"{count}, none on {mask_key(key)}", expected,
                   f"{count}, none on that key")


def _selects(ctx: RoundContext, detector: str, criteria: dict, finding_id: str) -> tuple[bool, str]:
    """Whether GuardDuty lists the finding under the filter's criteria, else why not."""
    try:
        if finding_id in finding_ids(ctx, detector, criteria):  # stops at the page holding it
            return True, ""
    except AwsCallFailed as failure:
        if failure.code in ("BadRequestException", "InvalidInputException"):
            return False, f"GuardDuty rejects its criteria ({failure.reason})"
        raise
    others = {path: condition for path, condition in (criteria.get("Criterion") or {}).items()
              if path != KEY_FIELD}
    if not others:
        return False, "its criteria leave out the key's finding"
    shown = "; ".join(f"{path} {_describe(condition)}" for path, condition in others.items())
    return False, mask_keys(f"its other criteria ({shown}) leave out the key's finding")


def _describe(condition: dict[str, Any]) -> str:
    parts = []
    for operator, operand in (condition or {}).items():
        shown = ", ".join(map(str, operand)) if isinstance(operand, list) else str(operand)
        parts.append(f"{operator} {shown}")
    return ", ".join(parts)


def _finding_of(ctx: RoundContext, key_fact: str) -> dict:
    """The finding the key fact was read from: a filter must select it."""
    finding, _ = newest_finding(ctx, ctx.facts.finding_type_of(key_fact))
    if finding is None:
        raise Unmet(Verdict("failed", "no finding to evaluate the filters on yet"))
    return finding
