"""What the participant app is built from: one settings object (as posting's), made by the
CLI from its arguments or by a test, read by the app and its screens; nothing else carries
configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from labguide.lab.connection import TargetSpec

# Seconds between pane polls and check rounds, by target kind: a real account is read
# gently (API rate limits, CloudTrail noise), the embedded simulator often.
POLL_INTERVALS = {"sim": 3.0, "endpoint": 5.0, "aws": 20.0}


@dataclass(frozen=True)
class AppOptions:
    """The app's settings. `scenario` None opens the picker; `clock` None is this machine's
    UTC clock (the status line's times; check rounds use the account's own); intervals
    None take POLL_INTERVALS for the target's kind; `observers` get every LabEvent of each
    session the app opens (class reporting)."""

    scenario: str | None = None
    target: TargetSpec = field(default_factory=TargetSpec)
    store_path: Path | None = None  # None: the progress database under LABGUIDE_HOME
    reset: bool = False
    seed: int | None = None
    epoch: datetime | None = None
    clock: Callable[[], datetime] | None = None
    poll_interval: float | None = None
    check_interval: float | None = None
    realtime: bool = True  # the simulated world's clock follows this machine's
    watch: bool = False  # reload the scenario file when it changes (run PATH --watch)
    observers: tuple[Callable[[Any], None], ...] = ()

    @property
    def poll_every(self) -> float:
        return self.poll_interval or POLL_INTERVALS.get(self.target.kind, 5.0)

    @property
    def check_every(self) -> float:
        return self.check_interval or POLL_INTERVALS.get(self.target.kind, 5.0)

    def but(self, **changes: Any) -> AppOptions:
        """A copy with `changes` (dataclasses.replace)."""
        return replace(self, **changes)
