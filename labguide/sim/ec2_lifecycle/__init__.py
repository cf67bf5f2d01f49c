"""EC2 lifecycle extension: new LaunchTime and new instance credentials on start.

`install()` wraps `moto.ec2.models.instances.Instance.start` (the model method that
StartInstances calls for each instance) after verifying its shape.
"""

from __future__ import annotations

import inspect

from labguide.sim.errors import ExtensionError

NAME = "ec2_lifecycle"
_installed = False


def _has_associations() -> bool:
    from moto.ec2.models.iam_instance_profile import IamInstanceProfileAssociationBackend

    source = inspect.getsource(IamInstanceProfileAssociationBackend.__init__)
    return "self.iam_instance_profile_associations" in source


def install() -> None:
    """Idempotent; raises ExtensionError when moto's EC2 instance model changed."""
    global _installed
    if _installed:
        return
    from moto.ec2.models.instances import Instance, InstanceBackend

    from labguide.sim import instance_credentials
    from labguide.sim.ec2_lifecycle.models import on_instance_started, started

    original = getattr(Instance, "start", None)
    if original is not None:  # a repeated install (tests) wraps moto's own method
        original = inspect.unwrap(original)
    if original is None or list(inspect.signature(original).parameters) != ["self"]:
        raise ExtensionError(NAME, "Instance.start() is gone or takes arguments")
    if "return previous_state" not in inspect.getsource(original):
        raise ExtensionError(NAME, "Instance.start() no longer returns the previous state")
    if "launch_time" not in inspect.getsource(Instance.__init__):
        raise ExtensionError(NAME, "Instance no longer keeps launch_time")
    if ".start()" not in inspect.getsource(InstanceBackend.start_instances):
        raise ExtensionError(NAME, "start_instances no longer calls Instance.start()")
    if "launch_time" in inspect.getsource(Instance.reboot):
        raise ExtensionError(NAME, "Instance.reboot() now changes launch_time itself")
    if not _has_associations():
        raise ExtensionError(NAME, "EC2 no longer keeps iam_instance_profile_associations")
    problem = instance_credentials.verify_moto_internals()
    if problem:
        raise ExtensionError(NAME, problem)

    def start(self):  # type: ignore[no-untyped-def]
        previous_state = original(self)
        started(self, previous_state.name)
        return previous_state

    start.__wrapped__ = original  # type: ignore[attr-defined]
    Instance.start = start
    on_instance_started(instance_credentials.on_instance_started)
    _installed = True
