"""Every moto internal labguide imports, and the backend methods it calls by keyword,
checked once at install time: a moto release that moved or renamed one fails loudly at
`install_extensions()` with every problem named, not with an AttributeError mid-class.

The extensions that patch moto (guardduty, iam_revocation, ec2_lifecycle, ssm_shell,
account_lookup, ...) verify the shapes they patch themselves; this module covers the
names they and the rest of the simulator (server, embedded, worlds, actors) import.
`tests/sim/test_moto_internals.py` fails when a module of labguide imports a moto name
missing here: add the name (one line) when you import a new one.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

from labguide.sim.errors import ExtensionError

NAME = "moto-internals"

# module -> names imported from it ("" for `import module` itself).
IMPORTED: dict[str, tuple[str, ...]] = {
    "moto.backends": ("", "get_backend"),
    "moto.cloudtrail.models": ("cloudtrail_backends",),
    "moto.cloudtrail.responses": ("CloudTrailResponse",),
    "moto.core.authorization": ("ActionAuthenticatorMixin",),
    "moto.core.base_backend": ("BackendDict", "BaseBackend", "backend_lock"),
    "moto.core.botocore_stubber": ("BotocoreStubber",),
    "moto.core.exceptions": ("JsonRESTError",),
    "moto.core.request": ("Request",),
    "moto.core.responses": ("", "ActionResult", "BaseResponse"),
    "moto.core.routing": ("get_service_router",),
    "moto.core.serialize": ("",),
    "moto.core.utils": ("convert_to_flask_response",),
    "moto.ec2.exceptions": ("EC2ClientError",),
    "moto.ec2.models": ("ec2_backends",),
    "moto.ec2.models.amis": ("Ami",),
    "moto.ec2.models.availability_zones_and_regions": ("RegionsAndZonesBackend",),
    "moto.ec2.models.iam_instance_profile": ("IamInstanceProfileAssociationBackend",),
    "moto.ec2.models.instances": ("Instance", "InstanceBackend"),
    "moto.ec2.models.subnets": ("SubnetBackend",),
    "moto.ec2.responses.instances": ("InstanceResponse",),
    "moto.guardduty": ("",),
    "moto.guardduty.models": ("", "GuardDutyBackend"),
    "moto.guardduty.responses": ("", "GuardDutyResponse"),
    "moto.guardduty.urls": ("", "url_bases"),
    "moto.iam": ("models",),
    "moto.iam.aws_managed_policies": ("aws_managed_policies_data",),
    "moto.iam.models": ("", "AWSManagedPolicy", "AccessKey", "IAMBackend", "PARTITION_NAMES",
                        "get_account_id_from", "iam_backends"),
    "moto.logs.exceptions": ("InvalidParameterException",),
    "moto.logs.models": ("LogStream", "logs_backends"),
    "moto.moto_api._internal": ("mock_random",),
    "moto.moto_api._internal.moto_random": ("MotoRandom",),
    "moto.moto_server.werkzeug_app": ("DomainDispatcherApplication", "create_backend_app"),
    "moto.s3.models": ("s3_backends",),
    "moto.sns.models": ("sns_backends",),
    "moto.ssm.exceptions": ("SSMException",),
    "moto.ssm.models": ("Command", "SimpleSystemManagerBackend", "ssm_backends"),
    "moto.ssm.responses": ("SimpleSystemManagerResponse",),
    "moto.sts.models": ("AssumedRole", "STSBackend", "sts_backends"),
    "moto.sts.responses": ("TokenResponse",),
    "moto.utilities.utils": ("get_partition",),
}

# "module:Class.method" -> parameters labguide passes by name (the worlds, the actors).
CALLED: dict[str, tuple[str, ...]] = {
    "moto.iam.models:IAMBackend.create_user": ("region_name", "user_name", "path", "tags"),
    "moto.iam.models:IAMBackend.create_role": (
        "role_name", "assume_role_policy_document", "path", "permissions_boundary",
        "description", "tags", "max_session_duration"),
    "moto.iam.models:IAMBackend.attach_role_policy": ("policy_arn", "role_name"),
    "moto.iam.models:IAMBackend.attach_user_policy": ("policy_arn", "user_name"),
    "moto.iam.models:IAMBackend.create_access_key": ("user_name",),
    "moto.iam.models:IAMBackend.put_role_policy": ("role_name", "policy_name",
                                                   "policy_json"),
    "moto.iam.models:IAMBackend.create_instance_profile": ("name", "path", "role_names"),
    "moto.iam.models:IAMBackend.update_account_password_policy": (
        "allow_change_password", "hard_expiry", "max_password_age", "minimum_password_length",
        "password_reuse_prevention", "require_lowercase_characters", "require_numbers",
        "require_symbols", "require_uppercase_characters"),
    "moto.iam.models:IAMBackend.delete_account_password_policy": (),
    "moto.iam.models:AWSManagedPolicy.from_data": ("name", "account_id", "region_name",
                                                   "data"),
    "moto.ec2.models:EC2Backend.run_instances": (
        "image_id", "count", "user_data", "security_group_names"),  # the rest via **kwargs
    "moto.ec2.models:EC2Backend.allocate_address": ("domain", "address", "tags"),
    "moto.ec2.models:EC2Backend.associate_address": ("instance", "address"),
    "moto.ec2.models:EC2Backend.associate_iam_instance_profile": (
        "instance_id", "iam_instance_profile_name"),
    "moto.ec2.models:EC2Backend.create_vpc": ("cidr_block",),
    "moto.ec2.models:EC2Backend.create_subnet": ("vpc_id", "cidr_block"),
    "moto.ec2.models:EC2Backend.create_tags": ("resource_ids", "tags"),
    "moto.ec2.models:EC2Backend.get_instance": ("instance_id",),
    "moto.s3.models:S3Backend.create_bucket": ("bucket_name", "region_name"),
    "moto.s3.models:S3Backend.put_object": ("bucket_name", "key_name", "value"),
    "moto.s3.models:S3Backend.get_object": ("bucket_name", "key_name"),
    "moto.s3.models:S3Backend.list_buckets": (),
    "moto.s3.models:S3Backend.delete_bucket": ("bucket_name",),
    "moto.sns.models:SNSBackend.create_topic": ("name",),
    "moto.sns.models:SNSBackend.subscribe": ("topic_arn", "endpoint", "protocol"),
    "moto.ssm.models:SimpleSystemManagerBackend.put_parameter": (
        "name", "description", "value", "parameter_type", "allowed_pattern", "keyid",
        "overwrite", "tags", "data_type", "tier", "policies"),
    "moto.cloudtrail.models:CloudTrailBackend.create_trail": ("name", "bucket_name"),
    "moto.cloudtrail.models:CloudTrailBackend.describe_trails": ("include_shadow_trails",),
    "moto.ec2.models.amis:Ami.__init__": (
        "ec2_backend", "ami_id", "name", "description", "owner_id", "owner_alias", "public",
        "virtualization_type", "architecture", "platform", "root_device_type",
        "root_device_name", "region_name", "creation_date", "hypervisor", "boot_mode"),
    "moto.moto_server.werkzeug_app:DomainDispatcherApplication.get_backend_for_host": (
        "host",),
}


def problems() -> list[str]:
    """Every internal that is missing or changed; empty when moto is as labguide expects."""
    found: list[str] = []
    for module_name, names in IMPORTED.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            found.append(f"cannot import {module_name} ({error})")
            continue
        for name in names:
            if name and not hasattr(module, name):
                found.append(f"{module_name}.{name} is missing")
    for target, wanted in CALLED.items():
        module_name, _, path = target.partition(":")
        try:
            owner = importlib.import_module(module_name)
        except ImportError as error:
            found.append(f"cannot import {module_name} ({error})")
            continue
        for part in path.split("."):
            owner = getattr(owner, part, None)
            if owner is None:
                break
        if not callable(owner):
            found.append(f"{module_name}.{path} is missing")
            continue
        try:
            parameters = inspect.signature(owner).parameters
        except (TypeError, ValueError):
            continue
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            parameters = {**parameters, **{name: None for name in wanted}}  # **kwargs takes them
        missing = [p for p in wanted if p not in parameters]
        if missing:
            found.append(f"{module_name}.{path} no longer takes {', '.join(missing)}")
    return found


_installed = False


def install() -> None:
    """Verify once; raises ExtensionError naming every missing or changed internal."""
    global _installed
    if _installed:
        return
    from labguide.sim.state import verify_moto_internals as verify_state

    found = problems()
    state_problem = verify_state()
    if state_problem:
        found.append(state_problem)
    if found:
        raise ExtensionError(NAME, "; ".join(found))
    _installed = True


class Extension:
    """One verified patch of moto: `install(patch)` runs `patch(extension)` once, under a
    lock; a moto import it needs that is gone (ImportError) or a check it fails (`require`)
    is an ExtensionError naming the extension, and nothing stays half-patched: every
    `replace` made before the failure is undone. `uninstall()` puts moto's originals back
    (tests that re-install against a changed moto; the patched callables keep theirs in
    `__wrapped__`)."""

    def __init__(self, name: str):
        import threading

        self.name = name
        self.installed = False
        self._lock = threading.RLock()
        self._replaced: list[tuple[object, str, object]] = []

    def install(self, patch: Callable[[Extension], None]) -> None:
        with self._lock:
            if self.installed:
                return
            try:
                patch(self)
            except ImportError as exc:
                self._undo()
                raise ExtensionError(self.name, f"cannot import {exc.name}") from None
            except BaseException:
                self._undo()
                raise
            self.installed = True

    def require(self, holds: object, problem: str) -> None:
        """ExtensionError with `problem` unless `holds`: moto is not as the patch expects."""
        if not holds:
            raise ExtensionError(self.name, problem)

    def attributes(self, owner: object, label: str, *names: str) -> None:
        """Each of `names` must exist on `owner` (named `label` in the error)."""
        for name in names:
            self.require(hasattr(owner, name), f"{label}.{name} is missing")

    def replace(self, owner: object, attribute: str, new: object) -> object:
        """Set `owner.attribute` to `new` (a function gets the original as `__wrapped__`);
        returns the original."""
        original = getattr(owner, attribute)
        if callable(new) and attribute != "__class__" and not hasattr(new, "__wrapped__"):
            try:
                new.__wrapped__ = original  # type: ignore[attr-defined]
            except AttributeError:
                pass
        setattr(owner, attribute, new)
        self._replaced.append((owner, attribute, original))
        return original

    def uninstall(self) -> None:
        with self._lock:
            self._undo()
            self.installed = False

    def _undo(self) -> None:
        while self._replaced:
            owner, attribute, original = self._replaced.pop()
            setattr(owner, attribute, original)
