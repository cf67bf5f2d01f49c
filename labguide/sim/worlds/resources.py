"""Creating each kind of declared resource in moto's backends, as AWS would hold it.

One function per kind of `labguide.scenario.world_model.Resources`, called in that
order; each returns the Namespace templates see as `resources.<id>` (id, arn, name, ...).
Nothing here knows an exercise: names, relations and times all come from the document.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from labguide.errors import UserError
from labguide.scenario import world_model as wm
from labguide.sim import instance_credentials
from labguide.sim.clock import to_utc
from labguide.sim.ec2_lifecycle.models import mark_auto_assigned
from labguide.sim.public_ips import random_public_ip
from labguide.sim.worlds.images import IMAGES
from labguide.sim.worlds.templating import Namespace


@dataclass
class BuildContext:
    account_id: str
    region: str
    epoch: datetime
    rng: random.Random
    resources: Namespace = field(default_factory=Namespace)

    def at(self, seconds: float) -> datetime:
        return self.epoch + timedelta(seconds=float(seconds))

    def ref(self, local_id: str, kind: str) -> Namespace:
        found = self.resources.get(local_id)
        if found is None or found.get("kind") != kind:
            raise UserError(f"world: no {kind} with id {local_id!r} is declared before it")
        return found

    # --- backends ---
    @property
    def iam(self) -> Any:
        from moto.iam.models import iam_backends

        return iam_backends[self.account_id]["aws"]

    @property
    def ec2(self) -> Any:
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.account_id][self.region]

    @property
    def s3(self) -> Any:
        from moto.s3.models import s3_backends

        return s3_backends[self.account_id]["aws"]


def naive(moment: datetime) -> datetime:
    return to_utc(moment).replace(tzinfo=None)


def _ns(kind: str, **values: Any) -> Namespace:
    return Namespace(kind=kind, **values)


# ----- the learner and the account ---------------------------------------------------------


def create_learner(ctx: BuildContext, spec: wm.Learner) -> tuple[str, str]:
    """The learner's IAM user and access key (drawn from the world's seed)."""
    iam = ctx.iam
    created = naive(ctx.at(spec.created))
    user = iam.create_user(region_name=ctx.region, user_name=spec.user, path="/", tags=[])
    user.create_date = created
    for name in spec.managed_policies:
        iam.attach_user_policy(aws_managed_policy(iam, name, ctx.region).arn, spec.user)
    key = iam.create_access_key(spec.user)
    del iam.access_keys[key.physical_resource_id]
    key.access_key_id = instance_credentials.random_key_id(ctx.rng, "AKIA")
    key.secret_access_key = instance_credentials.random_secret(ctx.rng)
    key.create_date = created
    iam.access_keys[key.access_key_id] = key
    return key.access_key_id, key.secret_access_key


def apply_account(ctx: BuildContext, spec: wm.Account) -> None:
    if spec.password_policy is not None:
        ctx.iam.update_account_password_policy(**spec.password_policy.model_dump())


_MANAGED_DATA: dict[str, Any] = {}


def aws_managed_policy(iam: Any, name: str, region: str) -> Any:
    """An AWS managed policy (arn:aws:iam::aws:policy/...) from moto's bundled data, added to
    this account even when moto does not preload AWS policies."""
    from moto.iam.models import AWSManagedPolicy

    for policy in iam.managed_policies.values():
        if isinstance(policy, AWSManagedPolicy) and policy.name == name:
            return policy
    if not _MANAGED_DATA:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        _MANAGED_DATA.update(json.loads(aws_managed_policies_data))
    if name not in _MANAGED_DATA:
        raise UserError(f"world: no AWS managed policy named {name!r}")
    policy = AWSManagedPolicy.from_data(name, iam.account_id, region, _MANAGED_DATA[name])
    iam.managed_policies[policy.arn] = policy
    return policy


# ----- IAM ---------------------------------------------------------------------------------


def create_iam_role(ctx: BuildContext, spec: wm.IamRole) -> Namespace:
    iam = ctx.iam
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": spec.trust_service},
        "Action": "sts:AssumeRole"}]}
    role = iam.create_role(
        role_name=spec.name, assume_role_policy_document=json.dumps(trust), path="/",
        permissions_boundary=None, description=spec.description,
        tags=[{"Key": k, "Value": v} for k, v in spec.tags.items()],
        max_session_duration=str(spec.max_session_seconds),
    )
    role.create_date = naive(ctx.at(spec.created))
    for name in spec.managed_policies:
        iam.attach_role_policy(aws_managed_policy(iam, name, ctx.region).arn, spec.name)
    for name, document in spec.inline_policies.items():
        iam.put_role_policy(spec.name, name, json.dumps(document))
    return _ns("iam_role", id=role.id, role_id=role.id, name=role.name, arn=role.arn)


def create_instance_profile(ctx: BuildContext, spec: wm.InstanceProfile) -> Namespace:
    role = ctx.ref(spec.role, "iam_role")
    profile = ctx.iam.create_instance_profile(spec.name, "/", [role.name])
    profile.id = "AIPA" + "".join(ctx.rng.choices(string.ascii_uppercase + string.digits, k=17))
    profile.create_date = naive(ctx.at(spec.created))
    return _ns("instance_profile", id=profile.id, profile_id=profile.id, name=profile.name,
               arn=profile.arn, role=role.name)


# ----- the network -------------------------------------------------------------------------


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def create_vpc(ctx: BuildContext, spec: wm.Vpc) -> Namespace:
    vpc = ctx.ec2.create_vpc(spec.cidr)
    if spec.tags:
        ctx.ec2.create_tags([vpc.id], dict(spec.tags))
    return _ns("vpc", id=vpc.id, cidr=spec.cidr)


def create_internet_gateway(ctx: BuildContext, spec: wm.InternetGateway) -> Namespace:
    vpc = ctx.ref(spec.vpc, "vpc")
    gateway = ctx.ec2.create_internet_gateway(tags=_tag_list(spec.tags) or None)
    ctx.ec2.attach_internet_gateway(gateway.id, vpc.id)
    return _ns("internet_gateway", id=gateway.id, vpc=vpc.id)


def create_subnet(ctx: BuildContext, spec: wm.Subnet) -> Namespace:
    vpc = ctx.ref(spec.vpc, "vpc")
    subnet = ctx.ec2.create_subnet(vpc.id, spec.cidr)
    if spec.tags:
        ctx.ec2.create_tags([subnet.id], dict(spec.tags))
    if spec.map_public_ip:
        ctx.ec2.modify_subnet_attribute(subnet.id, "map_public_ip_on_launch", True)
    return _ns("subnet", id=subnet.id, cidr=spec.cidr, vpc=vpc.id,
               availability_zone=subnet.availability_zone)


def create_route_table(ctx: BuildContext, spec: wm.RouteTable) -> Namespace:
    vpc = ctx.ref(spec.vpc, "vpc")
    table = ctx.ec2.create_route_table(vpc.id, tags=_tag_list(spec.tags) or None)
    for route in spec.routes:
        gateway = ctx.ref(route.gateway, "internet_gateway")
        ctx.ec2.create_route(table.id, route.destination, gateway_id=gateway.id)
    for subnet_id in spec.subnets:
        ctx.ec2.associate_route_table(table.id, subnet_id=ctx.ref(subnet_id, "subnet").id)
    return _ns("route_table", id=table.id)


def _protocol(name: str) -> str:
    return {"all": "-1", "tcp": "6", "udp": "17", "icmp": "1"}.get(name.lower(), name)


def create_network_acl(ctx: BuildContext, spec: wm.NetworkAcl) -> Namespace:
    ec2 = ctx.ec2
    vpc = ctx.ref(spec.vpc, "vpc")
    acl = ec2.create_network_acl(vpc.id, tags=_tag_list(spec.tags) or None)
    for entry in spec.entries:
        low, high = entry.ports or (None, None)
        ec2.create_network_acl_entry(acl.id, entry.rule, _protocol(entry.protocol),
                                     entry.action, entry.egress, entry.cidr, None, None,
                                     low, high, None)
    for egress in (False, True):  # AWS shows every ACL's final `*` rule as 32767 deny
        ec2.create_network_acl_entry(acl.id, 32767, "-1", "deny", egress, "0.0.0.0/0", None,
                                     None, None, None, None)
    subnet_ids = {ctx.ref(s, "subnet").id for s in spec.subnets}
    for other in list(ec2.network_acls.values()):
        for association_id, association in list(other._associations.items()):
            if association.subnet_id in subnet_ids and other.id != acl.id:
                ec2.replace_network_acl_association(association_id, acl.id)
    return _ns("network_acl", id=acl.id)


def _permission(rule: wm.SgRule) -> tuple[str, str | None, str | None, list[dict[str, Any]]]:
    low, high = rule.ports or (None, None)
    ranges: dict[str, Any] = {"CidrIp": rule.cidr}
    if rule.description:
        ranges["Description"] = rule.description
    protocol = "-1" if rule.protocol in ("-1", "all") else rule.protocol
    return (protocol, None if low is None else str(low), None if high is None else str(high),
            [ranges])


def create_security_group(ctx: BuildContext, spec: wm.SecurityGroup) -> Namespace:
    ec2 = ctx.ec2
    vpc = ctx.ref(spec.vpc, "vpc")
    group = ec2.create_security_group(spec.name, spec.description, vpc.id,
                                      tags=dict(spec.tags) or None)
    for rule in spec.ingress:
        ec2.authorize_security_group_ingress(group.id, *_permission(rule), vpc_id=vpc.id)
    if spec.egress is not None:
        ec2.revoke_security_group_egress(group.id, "-1", None, None, [{"CidrIp": "0.0.0.0/0"}],
                                         vpc_id=vpc.id)
        for rule in spec.egress:
            ec2.authorize_security_group_egress(group.id, *_permission(rule), vpc_id=vpc.id)
    return _ns("security_group", id=group.id, name=spec.name)


# ----- instances ---------------------------------------------------------------------------

def create_instance(ctx: BuildContext, spec: wm.Instance) -> Namespace:
    ec2 = ctx.ec2
    image = IMAGES[spec.image]
    subnet = ctx.ref(spec.subnet, "subnet")
    groups = [ctx.ref(g, "security_group").id for g in spec.security_groups]
    reservation = ec2.run_instances(
        image["ami_id"], 1, None, [], instance_type=spec.type, is_instance_type_default=False,
        subnet_id=subnet.id, private_ip=spec.private_ip, region_name=ctx.region,
        tags={"instance": {"Name": spec.name, **spec.tags}},
        **({"security_group_ids": groups} if groups else {}),
    )
    instance = reservation.instances[0]
    instance.launch_time = naive(ctx.at(spec.launched))
    public_ip = None
    if spec.elastic_ip is not None:
        address = ec2.allocate_address(
            domain="vpc", address=spec.elastic_ip.address or random_public_ip(ctx.rng),
            tags=dict(spec.elastic_ip.tags) or None)
        ec2.associate_address(instance=instance, address=address.public_ip)
        public_ip = address.public_ip
    elif ec2.get_subnet(subnet.id).map_public_ip_on_launch in (True, "true"):
        # "Auto-assign public IPv4 address": an instance launched into the subnet gets one
        # (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html); moto
        # gives none unless asked, so the world assigns it, from its seed.
        public_ip = instance.nics[0].public_ip = random_public_ip(ctx.rng)
        mark_auto_assigned(instance.nics[0])
    profile = None
    if spec.profile is not None:
        profile = ctx.ref(spec.profile, "instance_profile")
        role_arn = ctx.iam.get_role(profile.role).arn
        issued = spec.launched if spec.credentials_issued is None else spec.credentials_issued
        # Issued first, at the world's moment, so that the association (which gives a
        # running instance without them its role's credentials now) finds them held.
        instance_credentials.issue(ctx.account_id, ctx.region, instance.id, role_arn,
                                   ctx.at(issued))
        ec2.associate_iam_instance_profile(instance.id, iam_instance_profile_name=profile.name)
    if spec.host is not None:
        from labguide.sim.hosts.models import provision_host

        host = spec.host.model_dump(exclude_defaults=True)
        provision_host(ctx.account_id, ctx.region, instance.id, **host)
    return _ns("instance", id=instance.id, name=spec.name, public_ip=public_ip,
               private_ip=instance.private_ip, subnet=subnet.id, vpc=subnet.vpc,
               security_groups=groups, profile=profile, image=image,
               availability_zone=instance.placement.zone, instance_type=spec.type,
               network_interface=instance.nics[0].id if instance.nics else "",
               tags={"Name": spec.name, **spec.tags})


# ----- storage, logging, alerting, detection --------------------------------------------------


def create_bucket(ctx: BuildContext, spec: wm.Bucket) -> Namespace:
    bucket = ctx.s3.create_bucket(spec.name, ctx.region)
    bucket.creation_date = to_utc(ctx.at(spec.created))
    for item in spec.objects:
        ctx.s3.put_object(spec.name, item.key, item.body.encode())
    return _ns("bucket", id=spec.name, name=spec.name, arn=f"arn:aws:s3:::{spec.name}")


def create_trail(ctx: BuildContext, spec: wm.Trail) -> Namespace:
    from moto.cloudtrail.models import cloudtrail_backends

    bucket = ctx.ref(spec.bucket, "bucket")
    trail = cloudtrail_backends[ctx.account_id][ctx.region].create_trail(
        spec.name, bucket.name, None, None, spec.multi_region, False, False, False, None, None,
        None, _tag_list(spec.tags),
    )
    return _ns("trail", id=spec.name, name=spec.name, arn=trail.arn)


def create_sns_topic(ctx: BuildContext, spec: wm.SnsTopic) -> Namespace:
    from moto.sns.models import sns_backends

    sns = sns_backends[ctx.account_id][ctx.region]
    topic = sns.create_topic(spec.name)
    for subscription in spec.subscriptions:
        sns.subscribe(topic.arn, subscription.endpoint, subscription.protocol)
    return _ns("sns_topic", id=topic.arn, name=spec.name, arn=topic.arn)


def create_log_group(ctx: BuildContext, spec: wm.LogGroup) -> Namespace:
    from moto.logs.models import logs_backends

    logs = logs_backends[ctx.account_id][ctx.region]
    group = logs.create_log_group(spec.name, dict(spec.tags))
    if spec.retention_days is not None:
        logs.put_retention_policy(spec.name, spec.retention_days)
    for stream in spec.streams:
        logs.create_log_stream(spec.name, stream)
    return _ns("log_group", id=spec.name, name=spec.name, arn=getattr(group, "arn", ""))


def create_ssm_parameter(ctx: BuildContext, spec: wm.SsmParameter) -> Namespace:
    from moto.ssm.models import ssm_backends

    ssm_backends[ctx.account_id][ctx.region].put_parameter(
        name=spec.name, description=spec.description, value=spec.value,
        parameter_type="String", allowed_pattern=None, keyid=None, overwrite=True,
        tags=_tag_list(spec.tags), data_type="text", tier=None, policies=None)
    return _ns("ssm_parameter", id=spec.name, name=spec.name)


def create_detector(ctx: BuildContext, spec: wm.Detector) -> Namespace:
    from labguide.sim.guardduty.models import guardduty_backends

    guardduty = guardduty_backends[ctx.account_id][ctx.region]
    detector_id = guardduty.create_detector(
        enable=True, finding_publishing_frequency=spec.frequency, data_sources={},
        tags=dict(spec.tags), features=[])
    ids, names = [], []
    for threat_list in spec.threat_lists:
        ids.append(guardduty.create_threat_intel_set(
            detector_id, threat_list.name, threat_list.format, threat_list.location,
            threat_list.activate))
        names.append(threat_list.name)
    return _ns("detector", id=detector_id, threat_list_ids=ids, threat_list_names=names)


# kind (a field of Resources) -> (its creator, the kind its Namespace is tagged with)
CREATORS: dict[str, Callable[[BuildContext, Any], Namespace]] = {
    "iam_roles": create_iam_role,
    "instance_profiles": create_instance_profile,
    "vpcs": create_vpc,
    "internet_gateways": create_internet_gateway,
    "subnets": create_subnet,
    "route_tables": create_route_table,
    "network_acls": create_network_acl,
    "security_groups": create_security_group,
    "instances": create_instance,
    "buckets": create_bucket,
    "trails": create_trail,
    "sns_topics": create_sns_topic,
    "log_groups": create_log_group,
    "ssm_parameters": create_ssm_parameter,
    "detectors": create_detector,
}

if list(CREATORS) != list(wm.Resources.model_fields):
    raise RuntimeError("every kind of world resource needs its creator, in the model's order")
