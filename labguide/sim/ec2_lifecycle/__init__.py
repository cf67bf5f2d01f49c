"""EC2 lifecycle extension: states and status checks on the world clock, zones, credentials.

`install()` verifies, then patches: `Instance._state` (a property that applies due
transitions), `Instance.start/stop/reboot`, the `instance_status`/`system_status`
properties, `InstanceResponse.start_instances/stop_instances` (the real current state),
`SubnetBackend.create_subnet` (a zone of the backend's region when none is given) and
the instance-profile association calls (an instance given a profile gets credentials).
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


def _verify() -> None:
    from moto.ec2.models.instances import Instance, InstanceBackend
    from moto.ec2.models.subnets import SubnetBackend
    from moto.ec2.responses.instances import InstanceResponse

    from labguide.sim import instance_credentials

    for name in ("start", "stop", "reboot"):
        method = getattr(Instance, name, None)
        if method is None or list(inspect.signature(inspect.unwrap(method)).parameters) != [
                "self"]:
            raise ExtensionError(NAME, f"Instance.{name}() is gone or takes arguments")
    if "return previous_state" not in inspect.getsource(inspect.unwrap(Instance.start)):
        raise ExtensionError(NAME, "Instance.start() no longer returns the previous state")
    init = inspect.getsource(Instance.__init__)
    for needle in ("launch_time", "self._state = InstanceState("):
        if needle not in init:
            raise ExtensionError(NAME, f"Instance.__init__ no longer sets {needle}")
    from labguide.sim.ec2_lifecycle.models import state_property

    present = inspect.getattr_static(Instance, "_state", None)
    if isinstance(present, property) and present is not state_property:
        raise ExtensionError(NAME, "moto made Instance._state a property itself")
    for name in ("instance_status", "system_status"):
        if not isinstance(inspect.getattr_static(Instance, name, None), property):
            raise ExtensionError(NAME, f"Instance.{name} is no longer a property")
    if ".start()" not in inspect.getsource(InstanceBackend.start_instances):
        raise ExtensionError(NAME, "start_instances no longer calls Instance.start()")
    for name in ("start_instances", "stop_instances"):
        source = inspect.getsource(inspect.unwrap(getattr(InstanceResponse, name)))
        if f"self.ec2_backend.{name}(instance_ids)" not in source:
            raise ExtensionError(NAME, f"InstanceResponse.{name} changed")
    params = inspect.signature(inspect.unwrap(SubnetBackend.create_subnet)).parameters
    if "availability_zone" not in params or "availability_zone_id" not in params:
        raise ExtensionError(NAME, "SubnetBackend.create_subnet no longer takes a zone")
    if not _has_associations():
        raise ExtensionError(NAME, "EC2 no longer keeps iam_instance_profile_associations")
    problem = instance_credentials.verify_moto_internals()
    if problem:
        raise ExtensionError(NAME, problem)


def install() -> None:
    """Idempotent; raises ExtensionError when moto's EC2 instance model changed."""
    global _installed
    if _installed:
        return
    _verify()
    from moto.core.responses import ActionResult
    from moto.ec2.models.iam_instance_profile import IamInstanceProfileAssociationBackend
    from moto.ec2.models.instances import Instance
    from moto.ec2.models.subnets import SubnetBackend
    from moto.ec2.responses.instances import InstanceResponse

    from labguide.sim import instance_credentials
    from labguide.sim.clock import has_world
    from labguide.sim.ec2_lifecycle import models

    originals = {name: inspect.unwrap(getattr(Instance, name))
                 for name in ("start", "stop", "reboot")}

    def start(self):  # type: ignore[no-untyped-def]
        return models.start(self, originals["start"])

    def stop(self):  # type: ignore[no-untyped-def]
        return models.stop(self, originals["stop"])

    def reboot(self):  # type: ignore[no-untyped-def]
        return models.reboot(self, originals["reboot"])

    for name, wrapper in (("start", start), ("stop", stop), ("reboot", reboot)):
        wrapper.__wrapped__ = originals[name]  # type: ignore[attr-defined]
        setattr(Instance, name, wrapper)
    Instance._state = models.state_property
    for name in ("instance_status", "system_status"):
        present = inspect.getattr_static(Instance, name)
        if present is not models.status_property:  # a repeated install keeps moto's
            models.moto_status[name] = present
    Instance.instance_status = models.status_property
    Instance.system_status = models.status_property

    def changes(self, operation: str, key: str):  # type: ignore[no-untyped-def]
        instance_ids = self._get_param("InstanceIds", [])
        self.error_on_dryrun()
        done = getattr(self.ec2_backend, operation)(instance_ids)
        return ActionResult({key: [models.state_change(i, previous) for i, previous in done]})

    moto_start = inspect.unwrap(InstanceResponse.start_instances)
    moto_stop = inspect.unwrap(InstanceResponse.stop_instances)

    def start_instances(self):  # type: ignore[no-untyped-def]
        if not has_world(self.current_account):
            return moto_start(self)
        return changes(self, "start_instances", "StartingInstances")

    def stop_instances(self):  # type: ignore[no-untyped-def]
        if not has_world(self.current_account):
            return moto_stop(self)
        return changes(self, "stop_instances", "StoppingInstances")

    start_instances.__wrapped__ = moto_start  # type: ignore[attr-defined]
    stop_instances.__wrapped__ = moto_stop  # type: ignore[attr-defined]
    InstanceResponse.start_instances = start_instances
    InstanceResponse.stop_instances = stop_instances

    original_subnet = inspect.unwrap(SubnetBackend.create_subnet)

    def create_subnet(self, vpc_id, cidr_block, ipv6_cidr_block=None,  # type: ignore[no-untyped-def]
                      availability_zone=None, availability_zone_id=None, *args, **kwargs):
        if availability_zone is None and not availability_zone_id and \
                has_world(self.account_id):
            availability_zone = models.first_zone(self.region_name)
        return original_subnet(self, vpc_id, cidr_block, ipv6_cidr_block, availability_zone,
                               availability_zone_id, *args, **kwargs)

    create_subnet.__wrapped__ = original_subnet  # type: ignore[attr-defined]
    SubnetBackend.create_subnet = create_subnet

    for name in ("associate_iam_instance_profile", "replace_iam_instance_profile_association"):
        original = inspect.unwrap(getattr(IamInstanceProfileAssociationBackend, name))

        def associated(self, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            association = _original(self, *args, **kwargs)
            instance_credentials.on_profile_associated(self, association)
            return association

        associated.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(IamInstanceProfileAssociationBackend, name, associated)

    models.on_instance_started(instance_credentials.on_instance_started)
    _installed = True
