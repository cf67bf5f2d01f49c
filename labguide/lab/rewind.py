"""Rewind: put the simulated account back as it was when a step was first opened.

The embedded simulator journals the learner's state-changing requests and marks where
each step was first opened (labguide.sim.embedded); a rewind rebuilds the world from its
seed and replays the requests made before that mark. The learner's answers are kept,
hints and revealed answers too; what the rewound steps had passed is forgotten, so the
next check round judges them (and their kept answers) again on the account as it now is.
Only the embedded simulator can do this: anywhere else `unavailable` says why.
Textual-free: the app runs `rewind_account` on a worker, then `forget_later` on its
own thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labguide.lab import events as ev

# Each completes "Rewind is not available …".
REAL_ACCOUNT = ("on a real AWS account: labguide cannot undo what was changed there "
                "(undo it by hand, as the steps describe)")
ENDPOINT = ("on an endpoint: that server keeps the account's state (in a class, the "
            "instructor can reset your seat to a step)")


@dataclass(frozen=True)
class Rewound:
    step_id: str
    replayed: int  # the learner's requests replayed into the rebuilt world
    forgotten: tuple[str, ...]  # the steps whose done / passed checks were forgotten


def unavailable(connection: Any) -> str | None:
    """Why this account cannot be rewound (shown in place of the action), or None."""
    if connection.is_real_account:
        return REAL_ACCOUNT
    if not connection.is_simulator:
        return ENDPOINT
    if connection.error is not None:
        return "because the simulated account did not start"
    if not connection.ready or connection.embedded is None:
        return "until the simulated account has started"
    if getattr(connection.embedded, "journal", None) is None:
        return "because this simulated account keeps no journal"
    return None


def choices(session: Any) -> list[str]:
    """The steps the account can go back to (opened with a starting point saved), in the
    scenario's order; empty when `unavailable`."""
    if unavailable(session.connection) is not None:
        return []
    marked = set(session.connection.embedded.marked_steps())
    return [step_id for step_id in session.scenario.step_ids if step_id in marked]


def rewind_account(session: Any, step_id: str) -> int:
    """Rebuild the account at `step_id`'s first opening (blocking: call from a worker).
    Returns how many of the learner's requests were replayed."""
    reason = unavailable(session.connection)
    if reason is not None:
        from labguide.errors import UserError

        raise UserError(f"Rewind is not available {reason}.")
    return session.connection.embedded.rewind(step_id)


def forget_later(session: Any, step_id: str, replayed: int) -> Rewound:
    """On the app's thread, after `rewind_account`: from `step_id` on, forget what passed
    (answers kept, judged again after the next round), open `step_id`, tell observers."""
    ids = session.scenario.step_ids
    later = tuple(ids[ids.index(step_id):])
    session.forget_steps(later)
    session.open_rewound(step_id)
    session.emit(ev.STEP_REWOUND, step_id, replayed=replayed, forgotten=list(later))
    return Rewound(step_id, replayed, later)
