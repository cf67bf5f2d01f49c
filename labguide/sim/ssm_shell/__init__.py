"""SSM RunCommand extension: AWS-RunShellScript on simulated instances runs a small shell.

`install()` wraps moto's `SimpleSystemManagerBackend.send_command`, `get_command_by_id`
and `list_commands`, adds `list_command_invocations` to the backend and
`list_command_invocations` and `describe_instance_information` to
`SimpleSystemManagerResponse`, after verifying the internals those rely on.
"""

from __future__ import annotations

import inspect

from labguide.sim.errors import ExtensionError

NAME = "ssm_shell"
_installed = False


def install() -> None:
    """Idempotent; raises ExtensionError when moto's SSM command internals changed."""
    global _installed
    if _installed:
        return
    from moto.ssm.models import Command, SimpleSystemManagerBackend
    from moto.ssm.responses import SimpleSystemManagerResponse

    from labguide.sim.clock import clock_for
    from labguide.sim.ssm_shell import models
    from labguide.sim.ssm_shell.responses import (
        describe_instance_information,
        list_command_invocations,
    )

    for name in ("send_command", "get_command_by_id", "list_commands"):
        if not callable(getattr(SimpleSystemManagerBackend, name, None)):
            raise ExtensionError(NAME, f"SimpleSystemManagerBackend.{name} is gone")
    send_params = list(inspect.signature(SimpleSystemManagerBackend.send_command).parameters)
    for param in ("document_name", "instance_ids", "parameters", "timeout_seconds"):
        if param not in send_params:
            raise ExtensionError(NAME, f"send_command no longer takes {param}")
    source = inspect.getsource(Command)
    for attribute in ("self.invocations", "self.requested_date_time", "self.status",
                      "self.completed_count", "def invocation_response",
                      '"DeliveryTimedOutCount"', "def response_object"):
        if attribute not in source:
            raise ExtensionError(NAME, f"ssm Command no longer has {attribute}")
    for name, ours in (("list_command_invocations", list_command_invocations),
                       ("describe_instance_information", describe_instance_information)):
        present = getattr(SimpleSystemManagerResponse, name, None)
        if present not in (None, ours):
            raise ExtensionError(NAME, f"moto now implements {name} itself")

    # unwrap: a repeated install (tests) wraps moto's own methods, not earlier wrappers
    original_send = inspect.unwrap(SimpleSystemManagerBackend.send_command)
    original_get = inspect.unwrap(SimpleSystemManagerBackend.get_command_by_id)
    original_list = inspect.unwrap(SimpleSystemManagerBackend.list_commands)
    original_response = inspect.unwrap(Command.response_object)

    def response_object(self):  # type: ignore[no-untyped-def]
        answer = original_response(self)
        if hasattr(self, "labguide_script"):  # moto writes 0 for every command
            answer["DeliveryTimedOutCount"] = self.labguide_delivery_timed_out
        return answer

    def send_command(self, **kwargs):  # type: ignore[no-untyped-def]
        instance_ids = list(kwargs.get("instance_ids") or [])
        invalid = [
            i for i in instance_ids if not models.is_managed(self.account_id, self.region_name, i)
        ]
        if invalid:
            raise models.InvalidInstanceId(invalid, self.account_id)
        command = original_send(self, **kwargs)
        models.keep_managed_targets(command, instance_ids, bool(kwargs.get("targets")),
                                    self.region_name)
        if kwargs.get("document_name") == models.RUN_SHELL_SCRIPT:
            models.prepare(command, clock_for(self.account_id).now(), kwargs.get("timeout_seconds"))
            models.deliver_due(command, self.region_name)
        return command

    def get_command_by_id(self, command_id):  # type: ignore[no-untyped-def]
        command = original_get(self, command_id)
        models.deliver_due(command, self.region_name)
        return command

    def list_commands(self, command_id, instance_id):  # type: ignore[no-untyped-def]
        commands = original_list(self, command_id, instance_id)
        for command in commands:
            models.deliver_due(command, self.region_name)
        return commands

    def backend_list_command_invocations(self, command_id, instance_id, details):  # type: ignore[no-untyped-def]
        entries = []
        for command in self.list_commands(command_id, None):
            for invocation in command.invocations:
                if instance_id and invocation["InstanceId"] != instance_id:
                    continue
                if hasattr(command, "labguide_script"):
                    entries.append(models.invocation_summary(command, invocation, details))
        return entries

    response_object.__wrapped__ = original_response  # type: ignore[attr-defined]
    Command.response_object = response_object
    send_command.__wrapped__ = original_send  # type: ignore[attr-defined]
    get_command_by_id.__wrapped__ = original_get  # type: ignore[attr-defined]
    list_commands.__wrapped__ = original_list  # type: ignore[attr-defined]
    SimpleSystemManagerBackend.send_command = send_command
    SimpleSystemManagerBackend.get_command_by_id = get_command_by_id
    SimpleSystemManagerBackend.list_commands = list_commands
    SimpleSystemManagerBackend.list_command_invocations = backend_list_command_invocations
    SimpleSystemManagerResponse.list_command_invocations = list_command_invocations
    SimpleSystemManagerResponse.describe_instance_information = describe_instance_information
    _installed = True
