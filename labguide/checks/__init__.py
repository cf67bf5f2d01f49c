"""Facts and checks: read an account through public AWS APIs and judge each step."""

from labguide.checks.facts import Fact, Facts, discover
from labguide.checks.results import (
    STATUSES,
    CheckResult,
    RoundResult,
    StepResult,
    Verdict,
    step_status,
)
from labguide.checks.runner import CheckRunner

__all__ = [
    "STATUSES", "CheckResult", "CheckRunner", "Fact", "Facts", "RoundResult", "StepResult",
    "Verdict", "discover", "step_status",
]
