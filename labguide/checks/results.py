"""What a check round produces: per check, per step, per round; all JSON-safe."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["passed", "failed", "error", "manual"]
STATUSES: tuple[str, ...] = ("passed", "failed", "error", "manual")


@dataclass(frozen=True)
class Verdict:
    """A check kind's judgement, before the runner attaches the check id."""

    status: Status
    summary: str
    expected: str = ""
    observed: str = ""


@dataclass(frozen=True)
class CheckResult:
    id: str
    status: Status
    summary: str
    expected: str
    observed: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class StepResult:
    id: str
    title: str
    status: Status
    checks: list[CheckResult] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "status": self.status,
                "checks": [check.to_json() for check in self.checks]}


@dataclass(frozen=True)
class RoundResult:
    steps: list[StepResult]
    facts: dict[str, str | None]
    fact_reasons: dict[str, str] = field(default_factory=dict)

    def step(self, step_id: str) -> StepResult:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def all_passed(self) -> bool:
        """True when nothing failed or errored (manual checks do not count against)."""
        return all(step.status in ("passed", "manual") for step in self.steps)


def step_status(checks: list[CheckResult]) -> Status:
    """passed when all pass; error if any error; failed if any failed; else manual
    (only manual checks left, or a step with no checks)."""
    statuses = {check.status for check in checks}
    if not checks:
        return "manual"
    if statuses == {"passed"}:
        return "passed"
    if "error" in statuses:
        return "error"
    if "failed" in statuses:
        return "failed"
    return "manual"
