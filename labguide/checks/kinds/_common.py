"""Helpers every check kind shares: facts it cannot do without, and how they are shown."""

from __future__ import annotations

from datetime import datetime

from labguide.checks.context import RoundContext
from labguide.checks.facts import iso
from labguide.checks.results import Verdict


class Unmet(Exception):
    """Stop a check early with this verdict (a missing fact, a missing prerequisite)."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.summary)
        self.verdict = verdict


def need_fact(ctx: RoundContext, name: str, what: str, expected: str = "") -> str:
    """The fact's value; a read failure stops the check with `error`, a fact not there
    yet with `failed` (the account was read; the thing is just not there)."""
    fact = ctx.facts.get(name)
    if fact.value is not None:
        return fact.value
    if fact.failure is not None:
        raise Unmet(Verdict("error", f"cannot find {what}: {fact.failure.reason}", expected,
                            "the account could not be read"))
    raise Unmet(Verdict("failed", f"{what} is not known yet: {fact.reason}", expected,
                        fact.reason))


def when(moment: datetime) -> str:
    return iso(moment)
