"""`guardduty-filter`: a saved GuardDuty filter selects the findings of one value of a field.

Generic over the finding attribute (`field`, e.g. resource.instanceDetails.instanceId)
and the value (a fact). A filter counts when its criterion on `field` lists the value
(Eq/Equals) and GuardDuty itself, asked ListFindings with the filter's whole criteria,
returns at least one finding that has that value, so a filter narrowed to nothing by its
other criteria does not count; nor does one with the action ARCHIVE (a suppression rule
hides the very findings the learner needs).
"""

from __future__ import annotations

from labguide.checks.context import RoundContext
from labguide.checks.kinds._common import need_fact
from labguide.checks.kinds._saved_filters import filter_names, filters_naming, finding_ids
from labguide.checks.results import Verdict
from labguide.scenario.kinds import GuardDutyFilterCheck
from labguide.scenario.model import Step
from labguide.target import AwsCallFailed, mask_keys


def run(spec: GuardDutyFilterCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    value = need_fact(ctx, spec.value, spec.value.replace("_", " "))
    detector = need_fact(ctx, spec.detector, "the GuardDuty detector")
    expected = f"a saved filter on {spec.field} = {value} (action NOOP)"
    ctx_key = ("guardduty-filter-wanted", detector, spec.field, value)
    wanted = ctx.once(ctx_key, lambda: set(finding_ids(
        ctx, detector, {"Criterion": {spec.field: {"Eq": [value]}}})))
    if not wanted:
        return Verdict("failed", f"no finding has {spec.field} = {value} yet", expected,
                       "no such finding")
    names = filter_names(ctx, detector)
    if not names:
        return Verdict("failed", f"no saved GuardDuty filter selects {value} yet", expected,
                       "no saved filters")
    misses: list[str] = []
    for name, criteria in filters_naming(ctx, detector, names, spec.field, value, misses,
                                         "those findings"):
        try:
            selected = set(finding_ids(ctx, detector, criteria)) & wanted
        except AwsCallFailed as failure:
            if failure.code not in ("BadRequestException", "InvalidInputException"):
                raise
            misses.append(f"GuardDuty rejects the criteria of '{name}' ({failure.reason})")
            continue
        if not selected:
            misses.append(f"'{name}' names {value} but its other criteria leave out its "
                          "findings")
            continue
        return Verdict("passed", f"saved filter '{name}' selects the findings of {value}",
                       expected, f"saved filter '{name}' on {spec.field} = {value}")
    count = f"{len(names)} saved filter{'s' if len(names) != 1 else ''}"
    detail = f"{count}; " + "; ".join(misses) if misses else f"{count}, none on {value}"
    return Verdict("failed", mask_keys(detail), expected, mask_keys(detail))
