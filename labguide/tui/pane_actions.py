"""The pane actions, built by the actions layer (which also gives each one's AWS CLI line).

A pane asks for a `PlannedAction`: a preview to name the change before it is
made (confirmation dialogs, read-only refusals), and the real action, built on
the worker thread against the target, so that a revocation is dated by the
account's own clock (the simulator's clock is not this machine's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from labguide import actions
from labguide.actions import Action, Call

KEY_FIELD = "resource.accessKeyDetails.accessKeyId"


@dataclass(frozen=True)
class PlannedAction:
    preview: Action
    build: Callable[[Any], Action]

    @property
    def changes_account(self) -> bool:
        return self.preview.changes_account

    @property
    def cli(self) -> str:
        return self.preview.cli

    def describe(self) -> str:
        return self.preview.describe()

    def for_target(self, target: Any) -> Action:
        return self.build(target).for_target(target)


def _fixed(action: Action) -> PlannedAction:
    return PlannedAction(action, lambda _target: action)


def save_filter_action(detector_id: str, name: str, field: str, value: str) -> PlannedAction:
    if field == KEY_FIELD:
        return _fixed(actions.save_filter(detector_id, name, value))
    criteria = {"Criterion": {field: {"Eq": [value]}}}
    return _fixed(Action(
        f"save GuardDuty filter '{name}' on {field} = {value}",
        (Call("guardduty", "CreateFilter", {"DetectorId": detector_id, "Name": name,
                                            "Action": "NOOP", "FindingCriteria": criteria}),),
    ))


def revoke_sessions_action(role_name: str, account_now: Callable[[Any], datetime]
                           ) -> PlannedAction:
    """Revoke now, by the account's clock (`account_now(target)`)."""
    # The moment is the account's own "now" when the action runs. The preview shows a
    # real command dated now by this machine's clock (a newcomer took a placeholder for
    # a bug) and says the moment is taken again when the learner confirms.
    now = datetime.now(UTC).replace(microsecond=0)
    sample = actions.revoke_sessions(role_name, now)
    preview = Action(f"revoke every session of role {role_name} issued before the moment "
                     f"you confirm (about {now:%H:%M:%S} UTC; inline policy "
                     "AWSRevokeOlderSessions)", sample.parts, sample.region)
    return PlannedAction(preview,
                         lambda target: actions.revoke_sessions(role_name, account_now(target)))


def stop_instance_action(instance_id: str) -> PlannedAction:
    return _fixed(actions.stop_instance(instance_id))


def start_instance_action(instance_id: str) -> PlannedAction:
    return _fixed(actions.start_instance(instance_id))


def shell_command_action(instance_id: str, command: str) -> PlannedAction:
    return _fixed(actions.run_shell_command(instance_id, command))


def shell_output(result: Any) -> tuple[str, str]:
    """(stdout, stderr) of a run_shell_command result."""
    response = result.response if result is not None else {}
    return (str(result.output or response.get("StandardOutputContent", "")),
            str(response.get("StandardErrorContent", "") or ""))
