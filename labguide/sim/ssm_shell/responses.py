"""ListCommandInvocations, which moto's SSM responses lack (added to its response class)."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult


def list_command_invocations(self: Any) -> ActionResult:
    command_id = self._get_param("CommandId")
    instance_id = self._get_param("InstanceId")
    details = bool(self._get_param("Details", False))
    invocations = self.ssm_backend.list_command_invocations(command_id, instance_id, details)
    return ActionResult({"CommandInvocations": invocations})
