"""`aws`: one declared read call, a JMESPath `select` over its whole response, and (for a
check) an expectation on what it selects. Also the fact kind `aws`: the selected value.

A read that fails is `error` (the account could not be read), never `failed`; a fact the
call needs that is not known yet is `failed` with why (see _common.need_fact).
"""

from __future__ import annotations

import json
import re
from typing import Any

from labguide.actions.reads import NotARead, read_all, select
from labguide.checks.context import RoundContext
from labguide.checks.expect import describe, meets, operand
from labguide.checks.facts import Fact
from labguide.checks.kinds._common import Unmet, need_fact
from labguide.checks.results import Verdict
from labguide.errors import UserError
from labguide.scenario import ContentError, render_params
from labguide.scenario.model import AwsCheck, AwsFact, Step

_FACT_USE = re.compile(r"facts\s*(?:\.\s*([a-z][a-z0-9_]*)|\[\s*['\"]([a-z][a-z0-9_]*)['\"]\s*\])")


def facts_used(*values: Any) -> list[str]:
    """The fact names templates in `values` use, in order of first use."""
    names: list[str] = []
    for text in _strings(values):
        for match in _FACT_USE.finditer(text):
            name = match.group(1) or match.group(2)
            if name not in names:
                names.append(name)
    return names


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def variables(ctx: RoundContext, names: list[str], expected: str = "") -> dict[str, Any]:
    """Template variables with the facts `names` known, or Unmet saying which is not."""
    facts = {name: need_fact(ctx, name, name.replace("_", " "), expected) for name in names}
    return {"facts": facts, "region": ctx.target.region}


def render_text(text: str, values: dict[str, Any], where: str) -> str:
    return str(render_params(text, values, where=where))


def fact(spec: AwsFact, ctx: RoundContext) -> Fact:
    names = facts_used(spec.call.params)
    try:
        values = variables(ctx, names)
    except Unmet as unmet:
        return Fact(None, unmet.verdict.summary)
    response = ctx.once(("aws-read", spec.call.model_dump_json(), json.dumps(values)),
                        lambda: read_all(ctx.target, spec.call, values))
    value = select(spec.select, response)
    if spec.extract is not None:
        return _extracted(spec, value)
    if spec.as_list:
        return _listed(spec, value)
    if isinstance(value, list):
        value = next((item for item in value if item not in (None, "", [], {})), None)
    if value is None or value == "" or value == {}:
        return Fact(None, f"nothing in the account matches {spec.select!r} of "
                          f"{spec.call.service}:{spec.call.operation} yet")
    return Fact(_text(value))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str) \
        if isinstance(value, dict | list) else str(value)


def _listed(spec: AwsFact, value: Any) -> Fact:
    """Every selected item that holds something, as text, in the response's order."""
    items = value if isinstance(value, list) else [value]
    kept = [_text(item) for item in items if item not in (None, "", [], {})]
    if not kept:
        return Fact(None, f"nothing in the account matches {spec.select!r} of "
                          f"{spec.call.service}:{spec.call.operation} yet")
    return Fact(kept)


def _extracted(spec: AwsFact, value: Any) -> Fact:
    """The `extract` group of the first selected text that matches it."""
    pattern = re.compile(spec.extract or "")
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            match = pattern.search(item)
            if match is not None and match.group(1):
                return Fact(match.group(1))
    return Fact(None, f"nothing {spec.select!r} selects from {spec.call.service}:"
                      f"{spec.call.operation} matches {spec.extract!r} yet")


def run(spec: AwsCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    names = facts_used(spec.call.params, spec.expected, spec.expect.model_dump())
    values = variables(ctx, names)
    try:
        expected = render_text(spec.expected, values, f"check {spec.id} expected")
        wanted = render_params(operand(spec.expect), values, where=f"check {spec.id} expect")
    except ContentError as exc:
        return Verdict("error", f"check {spec.id}: {exc}")
    try:
        response = ctx.once(("aws-read", spec.call.model_dump_json(), json.dumps(values)),
                            lambda: read_all(ctx.target, spec.call, values))
    except (NotARead, ContentError) as exc:
        return Verdict("error", f"check {spec.id}: {exc}", expected, "not read")
    except UserError as exc:  # an unknown operation or parameter
        return Verdict("error", f"check {spec.id}: {exc}", expected, "not read")
    return judge(spec.select, response, spec.expect, wanted, expected,
                 f"{spec.call.service}:{spec.call.operation}")


def judge(path: str | None, data: Any, expect: Any, wanted: Any, expected: str,
          source: str) -> Verdict:
    """The verdict of an expectation on `data` (selected by `path`, when there is one)."""
    value = select(path, data) if path else data
    observed = describe(value)
    where = f" ({path} of {source})" if path else f" ({source})"
    if meets(value, expect, wanted):
        return Verdict("passed", f"found {observed}", expected, observed)
    return Verdict("failed", f"not yet: found {observed}{where}", expected, observed)
