"""The world of the compromised-IAM-credentials exercise, built on moto's backends.

What the workshop's CloudFormation and attack scripts leave in an account: a VPC and
subnet, the compromised instance with its role and instance profile, the attacker's host
with an Elastic IP, the logs/data/threat-list buckets, the trail, the SNS topic, the
GuardDuty detector with the threat list (the attacker's IP) active, and the stolen
session: the instance's credentials, issued at `epoch` to the role session named after
the instance id, first used by the attacker a few minutes later. When the world is
returned, the attacker has made its first rounds, so the findings already exist.

Timeline (E = epoch): attacker host up at E-10 min; compromised instance launched at
E-1 min; its credentials issued at E; the attacker's first round at
E+`first_attack_after_seconds`, then every `attack_interval_seconds`; the world's "now" is
its `initial_rounds`-th round.

Ids come from moto's mock_random, seeded per (seed, account) while the world is built
(under a lock), and from random.Random seeded the same way, so the same seed and epoch
give the same world.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from labguide.errors import UserError
from labguide.sim import instance_credentials
from labguide.sim.attacker import Attacker, AttackPlan
from labguide.sim.clock import SimClock, register_account_clock, to_utc
from labguide.sim.ssm_shell.models import agent_ping
from labguide.sim.ssm_shell.models import forget_account as forget_agent_pings
from labguide.sim.state import forget_account as forget_simulator_state
from labguide.sim.worlds.instance_app import InstanceApp
from labguide.sim.worlds.world import Credentials, World

WORLD_NAME = "iam-credential-theft"
UNAUTHORIZED = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
RECON = "Recon:IAMUser/MaliciousIPCaller.Custom"

DEFAULTS: dict[str, Any] = {
    "prefix": "threat-detection-wksp",
    "instance_name": None,  # "<prefix>: Compromised Instance"
    "role_name": None,  # "<prefix>-compromised-ec2"
    "instance_profile_name": None,  # "<role_name>-profile"
    "attacker_name": None,  # "<prefix>: Malicious Host"
    "attack_interval_seconds": 120,
    "first_attack_after_seconds": 300,
    "initial_rounds": 3,
    "app_check_interval_seconds": 60,
    "finding_types": [UNAUTHORIZED, RECON],
    "instance_type": "m5.large",
    "vpc_cidr": "10.0.0.0/16",
    "subnet_cidr": "10.0.0.0/24",
    "private_ip": "10.0.0.15",
    "learner_user_name": "labguide-learner",
    "alert_email": "security-team@example.com",
    "config_key": "config.py",
    "threat_list_key": "threatlist.txt",
}

AMAZON_LINUX_2 = {
    "ami_id": "ami-06c03da210a086638", "name": "amzn2-ami-hvm-2.0.20260930.0-x86_64-gp2",
    "description": "Amazon Linux 2 AMI 2.0.20260930.0 x86_64 HVM gp2", "platform": None,
    "owner_id": "137112412989", "root_device_name": "/dev/xvda",
}
UBUNTU = {
    "ami_id": "ami-0f39d06d145e9bb63", "name": "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64",
    "description": "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image", "platform": None,
    "owner_id": "099720109477", "root_device_name": "/dev/sda1",
}

SSM_PING_SECONDS = 300  # how often the instance's SSM agent reports in
_build_lock = threading.Lock()


@dataclass(frozen=True)
class Truth:
    """Ground truth of one world, for tests and the server's health routes (never for checks)."""

    detector_id: str
    stolen_access_key_id: str
    stolen_session_issued_at: datetime
    first_attack_at: datetime
    role_name: str
    role_arn: str
    role_id: str
    instance_id: str
    instance_name: str
    instance_profile_name: str
    instance_profile_arn: str
    instance_profile_id: str
    attacker_ip: str
    attacker_instance_id: str
    threat_intel_set_id: str
    threat_list_name: str
    vpc_id: str
    subnet_id: str
    logs_bucket: str
    data_bucket: str
    threatlist_bucket: str
    trail_name: str
    topic_arn: str
    learner_user_name: str
    app_health_parameter: str
    finding_types: tuple[str, ...]


def resolve_params(params: dict[str, Any]) -> dict[str, Any]:
    """The scenario's params over the workshop's defaults; unknown names are an error."""
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise UserError(
            f"world {WORLD_NAME!r}: unknown params {', '.join(unknown)}; "
            f"known: {', '.join(sorted(DEFAULTS))}"
        )
    values = {**DEFAULTS, **{k: v for k, v in params.items() if v is not None}}
    prefix = values["prefix"]
    values["instance_name"] = values["instance_name"] or f"{prefix}: Compromised Instance"
    values["role_name"] = values["role_name"] or f"{prefix}-compromised-ec2"
    values["instance_profile_name"] = (
        values["instance_profile_name"] or f"{values['role_name']}-profile"
    )
    values["attacker_name"] = values["attacker_name"] or f"{prefix}: Malicious Host"
    for key in ("attack_interval_seconds", "first_attack_after_seconds", "initial_rounds",
                "app_check_interval_seconds"):
        if not isinstance(values[key], int) or isinstance(values[key], bool) or values[key] < 1:
            raise UserError(f"world {WORLD_NAME!r}: {key} must be a positive integer")
    types = values["finding_types"]
    if isinstance(types, str):
        types = [types]
    if not types or not all(isinstance(t, str) and t for t in types):
        raise UserError(f"world {WORLD_NAME!r}: finding_types must list finding type names")
    values["finding_types"] = list(types)
    return values


def _finding_type_for(types: list[str], recon: bool) -> str:
    wanted = [t for t in types if t.startswith("Recon:") == recon]
    return (wanted or types)[0]


def _seed_for(seed: int, account_id: str) -> int:
    return int(hashlib.sha256(f"{seed}|{account_id}".encode()).hexdigest()[:15], 16)


def build(params: dict[str, Any], *, account_id: str, region: str, seed: int = 0,
          epoch: datetime | None = None, clock: SimClock | None = None) -> World:
    """Provision the world in `account_id`/`region`; see the module docstring."""
    p = resolve_params(params)
    rounds_offset = timedelta(
        seconds=p["first_attack_after_seconds"]
        + (p["initial_rounds"] - 1) * p["attack_interval_seconds"]
    )
    if epoch is None:
        clock = clock or SimClock()
        epoch = clock.now() - rounds_offset
    epoch = to_utc(epoch).replace(microsecond=0)
    if clock is None:
        clock = SimClock(start=epoch + rounds_offset)
    with _build_lock:
        from moto.moto_api._internal import mock_random

        # A rebuilt account (a fresh mock_aws, a resumed embedded world) starts from nothing.
        forget_simulator_state(account_id)
        forget_agent_pings(account_id)
        register_account_clock(account_id, clock)

        mock_random.seed(_seed_for(seed, account_id))
        rng = random.Random(_seed_for(seed, account_id))
        world = _provision(p, account_id=account_id, region=region, epoch=epoch,
                           clock=clock, rng=rng)
    world.tick()  # the attacker's first rounds and the application's first checks
    return world


def _naive(moment: datetime) -> datetime:
    return to_utc(moment).replace(tzinfo=None)


def _register_amis(ec2: Any, epoch: datetime) -> None:
    from moto.ec2.models.amis import Ami

    for spec in (AMAZON_LINUX_2, UBUNTU):
        if spec["ami_id"] in ec2.amis:
            continue
        ec2.amis[spec["ami_id"]] = Ami(
            ec2, ami_id=spec["ami_id"], name=spec["name"], description=spec["description"],
            owner_id=spec["owner_id"], owner_alias="amazon", public=True,
            virtualization_type="hvm", architecture="x86_64", platform=spec["platform"],
            root_device_type="ebs", root_device_name=spec["root_device_name"],
            region_name=ec2.region_name, creation_date=_naive(epoch - timedelta(days=30)),
            hypervisor="xen", boot_mode="legacy-bios",
        )


def _aws_managed_policy(iam: Any, name: str, region: str) -> Any:
    """An AWS managed policy (ARN arn:aws:iam::aws:policy/...) from moto's bundled data,
    added to this account even when moto does not preload AWS policies."""
    from moto.iam.models import AWSManagedPolicy

    for policy in iam.managed_policies.values():
        if isinstance(policy, AWSManagedPolicy) and policy.name == name:
            return policy
    data = _managed_policy_data()[name]
    policy = AWSManagedPolicy.from_data(name, iam.account_id, region, data)
    iam.managed_policies[policy.arn] = policy
    return policy


_MANAGED_DATA: dict[str, Any] = {}


def _managed_policy_data() -> dict[str, Any]:
    if not _MANAGED_DATA:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        parsed = json.loads(aws_managed_policies_data)
        _MANAGED_DATA.update(
            {k: parsed[k] for k in ("AmazonEC2RoleforSSM", "AdministratorAccess")}
        )
    return _MANAGED_DATA


# First two octets of public EC2 address ranges, for a plausible Elastic IP.
_EIP_PREFIXES = ((3, 24), (3, 104), (13, 54), (13, 236), (52, 62), (52, 64), (54, 66),
                 (54, 79), (54, 153), (54, 206), (54, 252))


def _public_ip(rng: random.Random) -> str:
    first, second = rng.choice(_EIP_PREFIXES)
    return f"{first}.{second}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _provision(p: dict[str, Any], *, account_id: str, region: str, epoch: datetime,
               clock: SimClock, rng: random.Random) -> World:
    from moto.cloudtrail.models import cloudtrail_backends
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends
    from moto.sns.models import sns_backends

    from labguide.sim.guardduty.models import guardduty_backends

    prefix = p["prefix"]
    iam = iam_backends[account_id]["aws"]
    ec2 = ec2_backends[account_id][region]
    s3 = s3_backends[account_id]["aws"]
    _register_amis(ec2, epoch)

    # --- IAM: the learner, the instance's role and profile, the password policy ---------
    learner_name = p["learner_user_name"]
    user = iam.create_user(region_name=region, user_name=learner_name, path="/", tags=[])
    user.create_date = _naive(epoch - timedelta(days=1))
    iam.attach_user_policy(_aws_managed_policy(iam, "AdministratorAccess", region).arn,
                           learner_name)
    learner_key = iam.create_access_key(learner_name)
    del iam.access_keys[learner_key.physical_resource_id]
    learner_key.access_key_id = instance_credentials.random_key_id(rng, "AKIA")
    learner_key.secret_access_key = instance_credentials.random_secret(rng)
    learner_key.create_date = _naive(epoch - timedelta(days=1))
    iam.access_keys[learner_key.access_key_id] = learner_key
    iam.update_account_password_policy(
        allow_change_password=True, hard_expiry=False, max_password_age=90,
        minimum_password_length=14, password_reuse_prevention=24,
        require_lowercase_characters=True, require_numbers=True, require_symbols=True,
        require_uppercase_characters=True,
    )

    role_name = p["role_name"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}
    role = iam.create_role(
        role_name=role_name, assume_role_policy_document=json.dumps(trust), path="/",
        permissions_boundary=None, description="Role of the workshop's compromised instance",
        tags=[{"Key": "Service", "Value": prefix}], max_session_duration="3600",
    )
    role.create_date = _naive(epoch - timedelta(minutes=15))
    iam.attach_role_policy(_aws_managed_policy(iam, "AmazonEC2RoleforSSM", region).arn,
                           role_name)

    logs_bucket = f"{prefix}-{account_id}-{region}-logs"
    data_bucket = f"{prefix}-{account_id}-{region}-data"
    threatlist_bucket = f"{prefix}-{account_id}-{region}-gd-threatlist"
    inline = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::{data_bucket}", f"arn:aws:s3:::{data_bucket}/*"]},
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
         "Resource": f"arn:aws:ssm:{region}:{account_id}:parameter/{prefix}/*"},
    ]}
    iam.put_role_policy(role_name, f"{prefix}-compromised-ec2-app", json.dumps(inline))
    profile = iam.create_instance_profile(p["instance_profile_name"], "/", [role_name])
    profile.id = "AIPA" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=17))
    profile.create_date = _naive(epoch - timedelta(minutes=15))

    # --- network and instances ------------------------------------------------------------
    tags_common = {"Service": prefix}
    vpc = ec2.create_vpc(p["vpc_cidr"])
    ec2.create_tags([vpc.id], {"Name": f"{prefix}-vpc", **tags_common})
    subnet = ec2.create_subnet(vpc.id, p["subnet_cidr"])
    ec2.create_tags([subnet.id], {"Name": f"{prefix}-subnet", **tags_common})

    def launch(ami: str, name: str, private_ip: str | None, launched: datetime) -> Any:
        reservation = ec2.run_instances(
            ami, 1, None, [], instance_type=p["instance_type"],
            is_instance_type_default=False, subnet_id=subnet.id, private_ip=private_ip,
            region_name=region, tags={"instance": {"Name": name, **tags_common}},
        )
        instance = reservation.instances[0]
        instance.launch_time = _naive(launched)
        return instance

    attacker_host = launch(UBUNTU["ami_id"], p["attacker_name"], None,
                           epoch - timedelta(minutes=10))
    address = ec2.allocate_address(domain="vpc", address=_public_ip(rng),
                                   tags={"Name": f"{prefix}-attacker-eip"})
    ec2.associate_address(instance=attacker_host, address=address.public_ip)
    attacker_ip = address.public_ip

    instance = launch(AMAZON_LINUX_2["ami_id"], p["instance_name"], p["private_ip"],
                      epoch - timedelta(minutes=1))
    ec2.associate_iam_instance_profile(instance.id, iam_instance_profile_name=profile.name)

    # --- buckets, trail, topic ------------------------------------------------------------
    for name in (logs_bucket, data_bucket, threatlist_bucket):
        bucket = s3.create_bucket(name, region)
        bucket.creation_date = to_utc(epoch - timedelta(minutes=15))
    s3.put_object(data_bucket, p["config_key"],
                  b"# application settings\nDB_HOST = 'db.internal'\nDB_USER = 'app'\n")
    s3.put_object(logs_bucket,
                  f"AWSLogs/{account_id}/CloudTrail/{region}/{epoch:%Y/%m/%d}/"
                  f"{account_id}_CloudTrail_{region}_{epoch:%Y%m%dT%H%MZ}_0001.json.gz",
                  b"{}")
    s3.put_object(threatlist_bucket, p["threat_list_key"], f"{attacker_ip}\n".encode())
    trail_name = f"{prefix}-trail"
    cloudtrail_backends[account_id][region].create_trail(
        trail_name, logs_bucket, None, None, True, False, False, False, None, None, None, [],
    )
    sns = sns_backends[account_id][region]
    topic = sns.create_topic(prefix)
    sns.subscribe(topic.arn, p["alert_email"], "email")

    # --- GuardDuty ------------------------------------------------------------------------
    guardduty = guardduty_backends[account_id][region]
    detector_id = guardduty.create_detector(
        enable=True, finding_publishing_frequency="FIFTEEN_MINUTES", data_sources={},
        tags={}, features=[],
    )
    threat_list_name = f"Custom-Threat-List-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    threat_set_id = guardduty.create_threat_intel_set(
        detector_id, threat_list_name, "TXT",
        f"https://s3.amazonaws.com/{threatlist_bucket}/{p['threat_list_key']}", True,
    )

    # --- the stolen session ---------------------------------------------------------------
    stolen = instance_credentials.issue(account_id, region, instance.id, role.arn, epoch)
    first_attack = epoch + timedelta(seconds=p["first_attack_after_seconds"])
    types = p["finding_types"]
    instance_details = {
        "availabilityZone": instance.placement.zone,
        "iamInstanceProfile": {"arn": profile.arn, "id": profile.id},
        "imageDescription": AMAZON_LINUX_2["description"],
        "imageId": instance.image_id,
        "instanceId": instance.id,
        "instanceState": "running",
        "instanceType": instance.instance_type,
        "launchTime": _naive(instance.launch_time).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "networkInterfaces": [{
            "networkInterfaceId": instance.nics[0].id if instance.nics else "",
            "privateDnsName": f"ip-{p['private_ip'].replace('.', '-')}.{region}.compute.internal",
            "privateIpAddress": p["private_ip"],
            "subnetId": subnet.id,
            "vpcId": vpc.id,
        }],
        "tags": [{"key": "Name", "value": p["instance_name"]},
                 {"key": "Service", "value": prefix}],
    }
    plan = AttackPlan(
        account_id=account_id, region=region, access_key_id=stolen.access_key_id,
        remote_ip=attacker_ip, detector_id=detector_id, threat_list_name=threat_list_name,
        data_bucket=data_bucket, logs_bucket=logs_bucket, config_key=p["config_key"],
        recon_finding_type=_finding_type_for(types, recon=True),
        access_finding_type=_finding_type_for(types, recon=False),
        access_key_details={
            "accessKeyId": stolen.access_key_id,
            "principalId": f"{role.id}:{instance.id}",
            "userName": role_name,
            "userType": "AssumedRole",
        },
        instance_details=instance_details,
    )
    attacker = Attacker(plan)
    app = InstanceApp(
        account_id=account_id, region=region, instance_id=instance.id, data_bucket=data_bucket,
        config_key=p["config_key"], parameter_name=f"/{prefix}/app/health",
    )
    truth = Truth(
        detector_id=detector_id, stolen_access_key_id=stolen.access_key_id,
        stolen_session_issued_at=stolen.last_updated, first_attack_at=first_attack,
        role_name=role_name, role_arn=role.arn, role_id=role.id, instance_id=instance.id,
        instance_name=p["instance_name"], instance_profile_name=profile.name,
        instance_profile_arn=profile.arn, instance_profile_id=profile.id,
        attacker_ip=attacker_ip, attacker_instance_id=attacker_host.id,
        threat_intel_set_id=threat_set_id, threat_list_name=threat_list_name,
        vpc_id=vpc.id, subnet_id=subnet.id, logs_bucket=logs_bucket, data_bucket=data_bucket,
        threatlist_bucket=threatlist_bucket, trail_name=trail_name, topic_arn=topic.arn,
        learner_user_name=learner_name, app_health_parameter=app.parameter_name,
        finding_types=tuple(types),
    )
    world = World(
        name=WORLD_NAME, account_id=account_id, region=region, clock=clock,
        learner=Credentials(learner_key.access_key_id, learner_key.secret_access_key),
        attacker=attacker, truth=truth, params=p, app=app, epoch=epoch,
    )
    world.every("instance-app", p["app_check_interval_seconds"], epoch, app.check)
    world.every("ssm-agent-ping", SSM_PING_SECONDS, epoch,
                lambda at: agent_ping(account_id, region, instance.id, at))
    world.every("attacker", p["attack_interval_seconds"], first_attack, attacker.run_round)
    return world
