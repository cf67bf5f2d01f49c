"""The one guard every account change from the app passes: pane actions and commands run
from the step's text alike. It decides, from the action and the account, whether to refuse
(a real account the learner did not open for changes), to ask first (a real account, or an
action that asks for it: revoking sessions, stopping the instance), or to run; `perform`
then runs it against the target, on a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REFUSE, CONFIRM, RUN = "refuse", "confirm", "run"


@dataclass(frozen=True)
class ActionRequest:
    """What a pane (or the step's text) asks for. `acknowledge`: a sentence the learner must
    tick, as the console asks before revoking sessions; `confirm`: a dialog title, for an
    action that asks first on any account (stopping the instance)."""

    action: Any  # an actions.Action, or a tui PlannedAction (preview + build)
    acknowledge: str | None = None
    confirm: str | None = None
    question: str | None = None  # the dialog's question, in place of the action's title


@dataclass(frozen=True)
class Decision:
    outcome: str  # REFUSE | CONFIRM | RUN
    title: str = ""
    message: str = ""  # the refusal, or the dialog's body
    confirm_label: str = ""
    acknowledge: str | None = None


def decide(request: ActionRequest, connection: Any) -> Decision:
    """Refuse, confirm or run `request` on `connection` (a labguide.lab Connection)."""
    action = request.action
    if connection is None or not connection.ready:
        return Decision(REFUSE, "Not ready", "The account is not ready yet.")
    changes = bool(getattr(action, "changes_account", False))
    what = action.describe()
    real = connection.is_real_account
    if changes and real and not connection.spec.allow_changes:
        return Decision(
            REFUSE, "Read-only account",
            f"Not done: {what}. This is a real AWS account and labguide only reads it. "
            f"Restart with --allow-changes, or run it yourself:\n{action.cli}")
    if request.acknowledge or request.confirm or (changes and real):
        cli = "\n".join(f"  {line}" for line in action.cli.splitlines())
        body = (f"{request.question or what}\n\nAccount: {connection.label()}\n"
                f"AWS CLI equivalent:\n{cli}")
        if request.acknowledge:
            return Decision(CONFIRM, "Revoke active sessions?", body,
                            "Revoke active sessions", request.acknowledge)
        return Decision(CONFIRM, request.confirm or "Change the account?", body, "Yes, do it")
    return Decision(RUN)


def perform(action: Any, target: Any) -> tuple[Any, Any]:
    """Run a decided action (blocking: a worker thread): (the action as run, its result).
    A planned action is built against the target first (dated by the account's clock)."""
    built = action.for_target(target)
    return built, built.run(target, confirmed=True)
