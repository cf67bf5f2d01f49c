"""What a learner did, as events a class reporter (or any observer) can subscribe to.

The session emits one LabEvent per change it saves, on the thread that made it (the
app's): an observer must not block; a reporter queues the event and sends it from its own
thread. An observer's failure is logged and never reaches the learner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

# The kinds, as DESIGN.md's classroom lists what participants' apps report.
STEP_OPENED = "step-opened"      # a step opened (first time or again)
STEP_DONE = "step-done"          # its checks (or answers) passed
HINT_SHOWN = "hint-shown"        # detail: {"shown": N}
ANSWER_REVEALED = "answer-revealed"
ANSWER_JUDGED = "answer-judged"  # detail: {"correct": True | False | None}
STEP_REWOUND = "step-rewound"    # the account was put back to the step's first opening
HELP_REQUESTED = "help-requested"  # detail: {"on": bool, "text": str | None}
CHECK_JUDGED = "check-judged"  # a check's status changed: {"check", "status", "summary"}
EVENT_KINDS = (STEP_OPENED, STEP_DONE, HINT_SHOWN, ANSWER_REVEALED, ANSWER_JUDGED,
               STEP_REWOUND, HELP_REQUESTED, CHECK_JUDGED)


@dataclass(frozen=True)
class LabEvent:
    kind: str
    scenario_id: str
    step_id: str
    question_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "scenario": self.scenario_id, "step": self.step_id,
                "question": self.question_id, "detail": dict(self.detail),
                "at": self.at.isoformat()}


class Observers:
    """Subscribers to a session's events."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[LabEvent], None]] = []

    def subscribe(self, callback: Callable[[LabEvent], None]) -> Callable[[], None]:
        """Add `callback`; returns a function that removes it."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def emit(self, event: LabEvent) -> None:
        if event.kind not in EVENT_KINDS:
            raise ValueError(f"unknown lab event kind {event.kind!r}")
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:  # a reporter's failure is its own
                log.exception("lab event observer failed on %s", event.kind)
