"""What the dashboard shows, computed from one `class status` answer. Textual-free.

`ClassView.build(status, now)` turns the server's JSON (DESIGN.md "Classroom", plus the
optional keys the dashboard reads when present) into rows and counts: a seat's status
word, its flags (stuck, failing, idle, help), time on its step against the class's 75th
percentile for that step, and per-step completion, median time and failure rate. Every
string here came from the server: the screen wraps it in rich.text.Text.
"""

from __future__ import annotations

import copy
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from labguide.awstime import instant, to_utc

IDLE_AFTER = timedelta(minutes=5)
STUCK_AFTER = timedelta(minutes=2)  # under this, nobody is stuck (a whole class at 28 s is not)
MIN_SAMPLES_FOR_P75 = 4  # below this, a quartile of the class says nothing
# Stuck is clearly over the p75: a class that opened a step together sits at the p75 to
# the second, and one seat a few milliseconds later was flagged (seen in tmux).
OVER_P75 = 1.1
STATUS_ICONS = {"not joined": "·", "active": "●", "idle": "◌", "done": "✓", "error": "⚠"}
CELL_ICONS = {"done": "✓", "in-progress": "◐", "failing": "✗", "not-started": "○"}
FLAGS = ("help", "failing", "stuck", "idle")


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        return _parsed(value)
    try:
        return instant(value)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=16384)
def _parsed(text: str) -> datetime | None:
    """The same few thousand instants come back every refresh: parse each once."""
    try:
        return instant(text)
    except (TypeError, ValueError):
        return None


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max((later - earlier).total_seconds(), 0.0)


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile by linear interpolation (the usual 'type 7')."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    place = share * (len(ordered) - 1)
    low = int(place)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (place - low)


@dataclass
class StepCell:
    """One seat's state on one step."""

    id: str
    status: str
    attempts: int
    failures: int
    hints: int
    answers_revealed: int
    started_at: datetime | None
    done_at: datetime | None
    last_failure: dict[str, Any] | None

    def seconds_on(self, now: datetime) -> float | None:
        """Time spent on this step: to done, or to now while it is open."""
        return _seconds(self.done_at or (now if self.started_at else None), self.started_at)


@dataclass
class SeatRow:
    seat: int
    name: str
    account_id: str
    joined: bool
    status: str
    current_step: str | None
    step_index: int  # 0-based position of the current step, -1 when none
    steps_done: int
    cells: list[StepCell]
    help: bool
    help_age: float | None
    help_text: str
    last_seen: datetime | None
    last_seen_age: float | None
    attacker_allowed: int | None
    attacker_denied: int | None
    attacker_window: float | None
    error: str
    on_step: float | None = None
    slow: bool = False
    flags: set[str] = field(default_factory=set)
    help_since: datetime | None = None
    given_status: str = ""  # the server's status word, when it sends one

    @property
    def current(self) -> StepCell | None:
        return self.cells[self.step_index] if self.step_index >= 0 else None

    @property
    def hints(self) -> int:
        return sum(c.hints for c in self.cells)

    @property
    def answers_revealed(self) -> int:
        return sum(c.answers_revealed for c in self.cells)

    def matches(self, needle: str) -> bool:
        """The table's filter: a flag or status word, else text in seat, name or step."""
        needle = needle.strip().lower()
        if not needle:
            return True
        if needle in FLAGS:
            return needle in self.flags
        if needle in STATUS_ICONS or needle == "not-joined":
            return self.status == needle.replace("-", " ")
        hay = f"{self.seat} {self.name} {self.current_step or ''} {self.status}".lower()
        return needle in hay


@dataclass
class StepStats:
    id: str
    title: str
    done: int
    failing: int
    seats: int
    median: float | None
    failure_rate: float | None  # failed attempts / attempts
    p75: float | None

    @property
    def completion(self) -> float:
        return self.done / self.seats if self.seats else 0.0


@dataclass
class ClassView:
    scenario: str
    now: datetime
    started_at: datetime | None
    attackers_paused: bool | None
    steps: list[StepStats]
    seats: list[SeatRow]

    # ----- the header's counts ----------------------------------------------------------

    @property
    def provisioned(self) -> int:
        return len(self.seats)

    def count(self, status: str) -> int:
        return sum(1 for s in self.seats if s.status == status)

    @property
    def joined(self) -> int:
        return sum(1 for s in self.seats if s.joined)

    @property
    def help_open(self) -> list[SeatRow]:
        return [s for s in self.seats if s.help]

    @property
    def oldest_help(self) -> float | None:
        ages = [s.help_age for s in self.help_open if s.help_age is not None]
        return max(ages) if ages else None

    @property
    def most_failing(self) -> tuple[str, int] | None:
        """The step where most seats fail their checks now, and how many."""
        best = max(self.steps, key=lambda s: s.failing, default=None)
        return (best.id, best.failing) if best and best.failing else None

    @property
    def elapsed(self) -> float | None:
        return _seconds(self.now, self.started_at)

    def seat(self, number: int) -> SeatRow | None:
        return next((s for s in self.seats if s.seat == number), None)

    # ----- building -----------------------------------------------------------------------

    @classmethod
    def build(cls, status: dict[str, Any], now: datetime | None = None, *,
              idle_after: timedelta = IDLE_AFTER,
              stuck_after: timedelta = STUCK_AFTER,
              known: SeatsSeen | None = None) -> ClassView:
        """The view of one status answer; `now` is the server's `now` when it sends one.

        With `known` (kept from one refresh to the next), a seat whose entry is as it was
        is not parsed again: only its ages are brought up to `now`."""
        now = _when(status.get("now")) or (to_utc(now) if now else None)
        if now is None:
            raise ValueError("no time to measure against: pass now")
        titles = {s.get("id"): s.get("title") or s.get("id")
                  for s in status.get("steps") or [] if isinstance(s, dict)}
        known = known if known is not None else SeatsSeen()
        seats = [_timed(known.row(raw), now, idle_after) for raw in status.get("seats") or []]
        known.keep_only({row.seat for row in seats})
        order = list(titles) or _step_order(seats)
        stats = _all_stats(order, titles, seats, now)
        p75 = {s.id: s.p75 for s in stats}
        for row in seats:
            current = row.current
            if current is not None and row.status not in ("done", "not joined"):
                row.on_step = current.seconds_on(now)
                limit = p75.get(current.id)
                row.slow = bool(limit is not None and row.on_step is not None
                                and row.on_step > limit * OVER_P75
                                and row.on_step >= stuck_after.total_seconds())
            row.flags = _flags(row)
        return cls(scenario=str(status.get("scenario", "")), now=now,
                   started_at=_when(status.get("started_at")),
                   attackers_paused=status.get("attackers_paused"), steps=stats, seats=seats)


class SeatsSeen:
    """The seats of the last refresh, each with the status entry it was built from: a
    class of 200 changes a few seats per refresh, so the rest are not parsed again."""

    def __init__(self) -> None:
        self._rows: dict[Any, tuple[dict[str, Any], SeatRow]] = {}
        self.parsed = 0  # seats built from their entry (the rest were reused), for tests

    def row(self, raw: dict[str, Any]) -> SeatRow:
        seen = self._rows.get(raw.get("seat"))
        if seen is not None and seen[0] == raw:
            return copy.copy(seen[1])  # the screen may still read the old one: a copy
        row = _seat(raw)
        self.parsed += 1
        self._rows[raw.get("seat")] = (raw, row)
        return copy.copy(row)

    def keep_only(self, seats: set[int]) -> None:
        for gone in set(self._rows) - seats:
            del self._rows[gone]


def _step_order(seats: list[SeatRow]) -> list[str]:
    order: list[str] = []
    for row in seats:
        for cell in row.cells:
            if cell.id not in order:
                order.append(cell.id)
    return order


def _cell(raw: dict[str, Any]) -> StepCell:
    failure = raw.get("last_failure_detail") or raw.get("last_failure")
    if isinstance(failure, str):
        failure = {"summary": failure}
    if isinstance(failure, dict) and not (failure.get("expected") or failure.get("observed")):
        # The expected/observed of the failing check, when the step's checks carry them.
        failing = next((c for c in raw.get("checks") or [] if isinstance(c, dict)
                        and c.get("status") in ("failed", "error")), None)
        if failing:
            failure = {**failure, "expected": failing.get("expected"),
                       "observed": failing.get("observed")}
    return StepCell(
        id=str(raw.get("id", "")), status=str(raw.get("status") or "not-started"),
        attempts=int(raw.get("attempts") or 0), failures=int(raw.get("failures") or 0),
        hints=int(raw.get("hints") or 0), answers_revealed=int(raw.get("answers_revealed") or 0),
        started_at=_when(raw.get("started_at")), done_at=_when(raw.get("done_at")),
        last_failure=failure if isinstance(failure, dict) else None,
    )


def _seat(raw: dict[str, Any]) -> SeatRow:
    """A seat from its status entry, without what depends on the time (see `_timed`)."""
    cells = [_cell(s) for s in raw.get("steps") or [] if isinstance(s, dict)]
    ids = [c.id for c in cells]
    current = raw.get("current_step")
    index = ids.index(current) if current in ids else -1
    attacker = raw.get("attacker") if isinstance(raw.get("attacker"), dict) else {}
    status = str(raw.get("status") or "").replace("-", " ")
    return SeatRow(
        seat=int(raw.get("seat") or 0), name=str(raw.get("name") or ""),
        account_id=str(raw.get("account_id") or ""), joined=bool(raw.get("joined")),
        status="", current_step=current if isinstance(current, str) else None,
        step_index=index, steps_done=sum(1 for c in cells if c.status == "done"),
        cells=cells, help=bool(raw.get("help")), help_age=None,
        help_text=str(raw.get("help_text") or ""), last_seen=_when(raw.get("last_seen")),
        last_seen_age=None, attacker_allowed=_allowed(attacker),
        attacker_denied=attacker.get("denied"), attacker_window=attacker.get("window_s"),
        error=str(raw.get("error") or ""), help_since=_when(raw.get("help_since")),
        given_status=status if status in STATUS_ICONS else "",
    )


def _timed(row: SeatRow, now: datetime, idle_after: timedelta) -> SeatRow:
    """The seat's ages and status word at `now` (idle is a matter of time)."""
    row.status = row.given_status or _status(row.joined, row.error, row.cells, row.steps_done,
                                             row.last_seen, now, idle_after)
    row.help_age = _seconds(now, row.help_since) if row.help else None
    row.last_seen_age = _seconds(now, row.last_seen)
    row.on_step, row.slow = None, False
    return row


def _allowed(attacker: dict[str, Any]) -> int | None:
    """Allowed calls: given, or all calls less the denied ones."""
    if attacker.get("allowed") is not None:
        return int(attacker["allowed"])
    if attacker.get("calls") is not None:
        return max(int(attacker["calls"]) - int(attacker.get("denied") or 0), 0)
    return None


def _status(joined: bool, error: str, cells: list[StepCell], done: int,
            last_seen: datetime | None, now: datetime, idle_after: timedelta) -> str:
    if error:
        return "error"
    if cells and done == len(cells):
        return "done"
    if not joined:
        return "not joined"
    if last_seen is None or now - last_seen > idle_after:
        return "idle"
    return "active"


def _flags(row: SeatRow) -> set[str]:
    flags = set()
    if row.help:
        flags.add("help")
    if row.current is not None and row.current.status == "failing":
        flags.add("failing")
    if row.slow:
        flags.add("stuck")
    if row.status == "idle":
        flags.add("idle")
    return flags


def _all_stats(order: list[str], titles: dict, seats: list[SeatRow],
               now: datetime) -> list[StepStats]:
    """Every step's stats, from one pass over the seats' cells."""
    by_step: dict[str, list[StepCell]] = {step_id: [] for step_id in order}
    for row in seats:
        for cell in row.cells:
            if cell.id in by_step:
                by_step[cell.id].append(cell)
    return [_stats(step_id, titles.get(step_id, step_id), by_step[step_id], len(seats), now)
            for step_id in order]


def _stats(step_id: str, title: str, cells: list[StepCell], seats: int,
           now: datetime) -> StepStats:
    done_times = [t for c in cells if c.done_at and (t := c.seconds_on(now)) is not None]
    spent = [t for c in cells if c.started_at and (t := c.seconds_on(now)) is not None]
    attempts = sum(c.attempts for c in cells)
    failures = sum(c.failures for c in cells)
    return StepStats(
        id=step_id, title=title, done=sum(1 for c in cells if c.status == "done"),
        failing=sum(1 for c in cells if c.status == "failing"),
        seats=seats,
        median=statistics.median(done_times) if done_times else None,
        failure_rate=failures / attempts if attempts else None,
        p75=percentile(spent, 0.75) if len(spent) >= MIN_SAMPLES_FOR_P75 else None,
    )
