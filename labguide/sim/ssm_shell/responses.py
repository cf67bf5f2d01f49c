"""ListCommandInvocations and DescribeInstanceInformation, which moto's SSM responses lack
(added to its response class)."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult


def list_command_invocations(self: Any) -> ActionResult:
    command_id = self._get_param("CommandId")
    instance_id = self._get_param("InstanceId")
    details = bool(self._get_param("Details", False))
    invocations = self.ssm_backend.list_command_invocations(command_id, instance_id, details)
    return ActionResult({"CommandInvocations": invocations})


def describe_instance_information(self: Any) -> ActionResult:
    from labguide.sim.ssm_shell.models import instance_information

    instance_ids: list[str] = []
    ping_statuses: list[str] = []
    for entry in self._get_param("InstanceInformationFilterList", []) or []:
        values = entry.get("valueSet", [])
        if entry.get("key") == "InstanceIds":
            instance_ids += values
        elif entry.get("key") == "PingStatus":
            ping_statuses += values
    for entry in self._get_param("Filters", []) or []:
        values = entry.get("Values", [])
        if entry.get("Key") == "InstanceIds":
            instance_ids += values
        elif entry.get("Key") == "PingStatus":
            ping_statuses += values
    entries = instance_information(self.current_account, self.region, instance_ids or None,
                                   ping_statuses or None)
    return ActionResult({"InstanceInformationList": entries})
