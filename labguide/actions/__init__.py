"""Declarative AWS actions (solutions and pane actions) with their AWS CLI equivalent.

On a real account, an action that changes it sends nothing unless the target allows
changes and the caller confirmed (ConfirmationRequired / ChangesNotAllowed).
"""

from labguide.actions.base import (
    Action,
    ActionFailed,
    ActionRefused,
    ActionResult,
    Call,
    ChangesNotAllowed,
    ConfirmationRequired,
    Shell,
    Wait,
)
from labguide.actions.operation import from_operation
from labguide.actions.pane import (
    REVOKE_POLICY_NAME,
    restart_instance,
    revocation_document,
    revoke_sessions,
    run_shell_command,
    save_filter,
    start_instance,
    stop_instance,
)
from labguide.actions.shell import (
    InstanceUnreachable,
    ShellOutput,
    imds_v2_commands,
    redact_secrets,
    run_shell,
)
from labguide.actions.solution import apply, plan

__all__ = [
    "REVOKE_POLICY_NAME", "Action", "ActionFailed", "ActionRefused", "ActionResult", "Call",
    "ChangesNotAllowed", "ConfirmationRequired", "InstanceUnreachable", "Shell", "ShellOutput",
    "Wait", "apply", "from_operation", "imds_v2_commands", "plan", "restart_instance",
    "redact_secrets", "revocation_document", "revoke_sessions", "run_shell", "run_shell_command",
    "save_filter",
    "start_instance", "stop_instance",
]
