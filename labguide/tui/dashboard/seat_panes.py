"""The participant's live panes, shown read-only for one seat on the dashboard.

Each pane is the app's own pane class, given a `SeatAccount` in place of the lab session:
its target is `seat_reads.seat_target` (every call a read made by the class server on
the seat's account), its facts the server's last check round for that seat. The panes'
own keys (revoke, save filter…) are dropped here: the instructor acts on a seat only
through the dashboard's actions, each confirmed with its command line.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from typing import Any

# Panes that cannot be read through the class API: the shell runs commands (a change), the
# attacker's calls come from the simulator's admin route (the header's counts show them).
NOT_SHOWN = frozenset({"shell", "attacker"})


class SeatAccount:
    """What a pane reads of its session, for one seat seen by the instructor."""

    def __init__(self, target: Any, scenario: Any, facts: dict[str, Any] | None = None):
        self.target = target
        self.scenario = scenario
        self.facts: dict[str, Any] = dict(facts or {})
        self.connection = SimpleNamespace(
            is_simulator=False, error=None, ready=True,
            account_now=lambda t=None: (t or target).now(),
        )


def pane_names(scenario: Any) -> list[str]:
    """The scenario's panes in the order its steps show them, less those not shown here."""
    names: list[str] = []
    for step in scenario.steps:
        for name in step.panes:
            if name not in names and name not in NOT_SHOWN:
                names.append(name)
    return names


@cache
def read_only(name: str) -> type:
    """The pane class for `name` without its own key bindings (its table's keys stay)."""
    from labguide.tui.panes import PANES

    base = PANES[name]
    return type(f"ReadOnly{base.__name__}", (base,), {"BINDINGS": []},
                inherit_bindings=False)
