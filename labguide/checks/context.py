"""One check round's shared state: the target, the answers and a thread-safe memo,
so that each fact and each shared read (a role's policies, an instance) is fetched
once per round however many checks running in parallel ask for it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from labguide.target import Target

T = TypeVar("T")


class _Entry:
    __slots__ = ("lock", "done", "value", "error")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None


class Memo:
    """Compute each key once; concurrent callers of the same key wait for the first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, _Entry] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
        with entry.lock:
            if not entry.done:
                try:
                    entry.value = compute()
                except Exception as exc:  # remembered: the same failure for every caller
                    entry.error = exc
                entry.done = True
        if entry.error is not None:
            raise entry.error
        return entry.value


@dataclass
class RoundContext:
    target: Target
    answers: Mapping[tuple[str, str], str] = field(default_factory=dict)
    memo: Memo = field(default_factory=Memo)
    facts: Any = None  # labguide.checks.facts.Facts, set by the runner
    # Survives across rounds of one runner: verdicts that stay true while their key holds.
    lasting: dict[Hashable, Any] = field(default_factory=dict)
    # The app's shared findings read (labguide.checks.findings.FindingsRead), when it has
    # one for this refresh: checks pick their findings from it instead of asking again.
    findings: Callable[[], Any] | None = None
    # The step the learner is on (the app's rounds): checks that run a command on an
    # instance run for it alone. None (check, test, the class server): every step's run.
    focus: str | None = None

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        return self.memo.get(key, compute)
