"""What both GuardDuty filter checks read: the saved filters that name a value, and the
findings GuardDuty lists under given criteria, every page of each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from labguide.checks.context import RoundContext


def paged(ctx: RoundContext, operation: str, items: str, **params: Any) -> Iterator[Any]:
    """Every item of `items` in a GuardDuty list operation, page after page (NextToken);
    a caller that stops early reads no further pages."""
    while True:
        page = ctx.target.call("guardduty", operation, **params)
        yield from page.get(items, [])
        if not page.get("NextToken"):
            return
        params["NextToken"] = page["NextToken"]


def finding_ids(ctx: RoundContext, detector: str, criteria: dict[str, Any]) -> Iterator[str]:
    """The ids of the findings GuardDuty lists under `criteria`, as the console shows them."""
    return paged(ctx, "ListFindings", "FindingIds", DetectorId=detector,
                 FindingCriteria=criteria, MaxResults=50)


def filter_names(ctx: RoundContext, detector: str) -> list[str]:
    return list(paged(ctx, "ListFilters", "FilterNames", DetectorId=detector))


def key_values(condition: dict[str, Any]) -> list[str]:
    """The values an Eq/Equals condition lists."""
    return [str(v).strip() for operator in ("Eq", "Equals") for v in condition.get(operator) or []]


def filters_naming(ctx: RoundContext, detector: str, names: list[str], field: str,
                   value: str, misses: list[str], hidden: str) -> Iterator[tuple[str, dict]]:
    """(name, criteria) of each saved NOOP filter whose criterion on `field` lists `value`;
    one that archives instead is a miss (a suppression rule hides what the learner needs):
    `hidden` says what it hides."""
    for name in names:
        saved = ctx.target.call("guardduty", "GetFilter", DetectorId=detector, FilterName=name)
        criteria = saved.get("FindingCriteria") or {}
        if value not in key_values((criteria.get("Criterion") or {}).get(field) or {}):
            continue
        if saved.get("Action") == "ARCHIVE":
            misses.append(f"'{name}' archives {hidden} (a suppression rule, which hides "
                          "them); save it with the action NOOP")
            continue
        yield name, criteria
