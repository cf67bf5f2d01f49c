"""`guardduty-filter-on-key`: a saved GuardDuty filter selects the compromised key."""

from __future__ import annotations

from labguide.checks.context import RoundContext
from labguide.checks.criteria import KEY_FIELD, Unevaluable, key_values, matches
from labguide.checks.facts import newest_finding
from labguide.checks.kinds._common import Unmet, need_fact
from labguide.checks.results import Verdict
from labguide.scenario.model import FilterOnKeyCheck
from labguide.target import mask_key

KIND = "guardduty-filter-on-key"


def run(spec: FilterOnKeyCheck, ctx: RoundContext) -> Verdict:
    detector = need_fact(ctx, spec.detector, "the GuardDuty detector")
    key = need_fact(ctx, spec.key, "the compromised access key",
                    f"a saved filter on {KEY_FIELD} = the compromised key")
    expected = f"a saved filter on {KEY_FIELD} = {mask_key(key)}"
    finding = _finding_of(ctx, spec.key)
    names = _filter_names(ctx, detector)
    if not names:
        return Verdict("failed", f"no saved GuardDuty filter selects {mask_key(key)} yet",
                       expected, "no saved filters")
    misses: list[str] = []
    for name in names:
        saved = ctx.target.call("guardduty", "GetFilter", DetectorId=detector, FilterName=name)
        criteria = saved.get("FindingCriteria") or {}
        condition = (criteria.get("Criterion") or {}).get(KEY_FIELD) or {}
        if key not in key_values(condition):
            continue
        if saved.get("Action") == "ARCHIVE":
            misses.append(f"'{name}' archives the key's findings (a suppression rule, which "
                          "hides them); save it with the action NOOP")
            continue
        if finding is not None:
            try:
                selected, why = matches(criteria, finding)
            except Unevaluable as exc:
                selected, why = False, f"its criteria cannot be evaluated ({exc})"
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


def _finding_of(ctx: RoundContext, key_fact: str) -> dict | None:
    """The finding the key fact was read from, to evaluate each filter's criteria on."""
    finding, _ = newest_finding(ctx, ctx.facts.finding_type_of(key_fact))
    if finding is None:
        raise Unmet(Verdict("failed", "no finding to evaluate the filters on yet"))
    return finding


def _filter_names(ctx: RoundContext, detector: str) -> list[str]:
    names: list[str] = []
    params: dict = {"DetectorId": detector}
    while True:
        page = ctx.target.call("guardduty", "ListFilters", **params)
        names.extend(page.get("FilterNames", []))
        if not page.get("NextToken"):
            return names
        params["NextToken"] = page["NextToken"]
