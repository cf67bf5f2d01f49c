"""EC2 start semantics: a stop and start gives a new LaunchTime and new instance
credentials, while the old set stays valid until its own expiration (temporary
credentials cannot be revoked: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html);
a reboot changes neither."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from labguide.sim import instance_credentials
from labguide.sim.ec2_lifecycle.models import (
    PENDING_SECONDS,
    STATUS_INITIALIZING_SECONDS,
    STOPPING_SECONDS,
)
from tests.sim.conftest import WORLD_EPOCH


def _ec2(world, endpoint_url=None):
    return boto3.client("ec2", region_name=world.region, endpoint_url=endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def _launch_time(ec2, instance_id):
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return reservations[0]["Instances"][0]["LaunchTime"]


def _state(ec2, instance_id):
    state = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0][
        "Instances"][0]["State"]
    return state["Name"], state["Code"]


def _exercise_restart(world, role_client, endpoint_url=None):
    ec2 = _ec2(world, endpoint_url)
    instance_id = world.truth.instance_id
    stolen = instance_credentials.current(world.account_id, instance_id)
    first_launch = _launch_time(ec2, instance_id)
    assert first_launch == world.truth.stolen_session_issued_at - timedelta(minutes=1)

    world.advance(60)
    ec2.reboot_instances(InstanceIds=[instance_id])
    assert _launch_time(ec2, instance_id) == first_launch
    assert instance_credentials.current(world.account_id, instance_id) == stolen

    world.advance(60)
    stopping = ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]
    assert (stopping["PreviousState"]["Name"], stopping["CurrentState"]["Name"]) == \
        ("running", "stopping")
    assert _state(ec2, instance_id) == ("stopping", 64)
    with pytest.raises(ClientError) as refused:  # a stopping instance cannot be started
        ec2.start_instances(InstanceIds=[instance_id])
    assert refused.value.response["Error"]["Code"] == "IncorrectInstanceState"
    assert instance_credentials.current(world.account_id, instance_id) == stolen
    world.advance(STOPPING_SECONDS)
    assert _state(ec2, instance_id) == ("stopped", 80)
    world.advance(30)
    starting = ec2.start_instances(InstanceIds=[instance_id])["StartingInstances"][0]
    assert (starting["PreviousState"]["Name"], starting["CurrentState"]["Name"]) == \
        ("stopped", "pending")
    started_at = world.clock.now()
    assert _launch_time(ec2, instance_id) == started_at
    assert _state(ec2, instance_id) == ("pending", 0)
    assert ec2.describe_instance_status(InstanceIds=[instance_id])["InstanceStatuses"] == []
    # Still the old credentials while pending: the instance has not booted yet.
    assert instance_credentials.current(world.account_id, instance_id) == stolen
    world.advance(PENDING_SECONDS)
    running_at = started_at + timedelta(seconds=PENDING_SECONDS)
    assert _state(ec2, instance_id) == ("running", 16)
    status = ec2.describe_instance_status(InstanceIds=[instance_id])["InstanceStatuses"][0]
    assert status["InstanceStatus"]["Status"] == status["SystemStatus"]["Status"] == \
        "initializing"
    assert status["AvailabilityZone"] == f"{world.region}a"

    rotated = instance_credentials.current(world.account_id, instance_id)
    assert rotated.access_key_id != stolen.access_key_id
    assert rotated.access_key_id.startswith("ASIA") and len(rotated.access_key_id) == 20
    assert rotated.last_updated == running_at
    assert rotated.expiration == running_at + timedelta(hours=6)
    document = rotated.imds_document()
    assert list(document) == ["Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey",
                              "Token", "Expiration"]
    assert document["LastUpdated"] == running_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    world.advance(STATUS_INITIALIZING_SECONDS)
    status = ec2.describe_instance_status(InstanceIds=[instance_id])["InstanceStatuses"][0]
    assert status["InstanceStatus"] == {"Status": "ok", "Details": [
        {"Name": "reachability", "Status": "passed"}]}

    # The new key routes to the world's account and is the instance's role session.
    identity = role_client("sts", rotated, endpoint_url).get_caller_identity()
    assert identity["Account"] == world.account_id
    assert identity["Arn"] == (f"arn:aws:sts::{world.account_id}:assumed-role/"
                               f"{world.truth.role_name}/{instance_id}")
    # The old set is not retired by the restart: it works until its own expiration.
    role_client("s3", stolen, endpoint_url).get_object(
        Bucket=world.truth.data_bucket, Key="config.py")
    role_client("s3", rotated, endpoint_url).get_object(
        Bucket=world.truth.data_bucket, Key="config.py")

    # Starting a running instance changes nothing: running -> running.
    world.advance(30)
    again = ec2.start_instances(InstanceIds=[instance_id])["StartingInstances"][0]
    assert (again["PreviousState"], again["CurrentState"]) == (
        {"Code": 16, "Name": "running"}, {"Code": 16, "Name": "running"})
    assert _launch_time(ec2, instance_id) == started_at
    assert instance_credentials.current(world.account_id, instance_id) == rotated

    # At its expiration (issue + 6 h) the old set gets ExpiredToken; the new one works on.
    world.advance((stolen.expiration - world.clock.now()).total_seconds())
    with pytest.raises(ClientError) as caught:
        role_client("s3", stolen, endpoint_url).get_object(
            Bucket=world.truth.data_bucket, Key="config.py")
    assert caught.value.response["Error"]["Code"] == "ExpiredToken"
    role_client("s3", rotated, endpoint_url).get_object(
        Bucket=world.truth.data_bucket, Key="config.py")


def test_restart_in_process(moto_in_process, build_theft_world, role_client):
    _exercise_restart(build_theft_world(), role_client)


def test_restart_on_a_server(served_theft_world, theft_server, role_client):
    _exercise_restart(served_theft_world(), role_client, theft_server.endpoint_url)


def test_an_instance_without_a_role_gets_no_credentials(moto_in_process, build_theft_world):
    world = build_theft_world()
    ec2 = _ec2(world)
    attacker_host = world.truth.attacker_instance_id
    ec2.stop_instances(InstanceIds=[attacker_host])
    world.advance(10)
    ec2.start_instances(InstanceIds=[attacker_host])
    assert _launch_time(ec2, attacker_host) == world.clock.now()
    assert instance_credentials.current(world.account_id, attacker_host) is None


def test_credentials_refresh_before_expiry_without_retiring_the_old_set(
        moto_in_process, build_theft_world):
    world = build_theft_world()
    stolen = instance_credentials.current(world.account_id, world.truth.instance_id)
    world.advance((stolen.expiration - world.clock.now()).total_seconds() - 240)
    refreshed = instance_credentials.current(world.account_id, world.truth.instance_id)
    assert refreshed.access_key_id != stolen.access_key_id
    assert refreshed.last_updated < stolen.expiration
    # The refresh retires nothing: the old set is allowed until its expiration, not after.
    from labguide.sim.iam_revocation.models import judge

    resource = f"arn:aws:s3:::{world.truth.data_bucket}/config.py"
    just_before = stolen.expiration - timedelta(seconds=1)
    assert judge(stolen.access_key_id, "s3:GetObject", resource, just_before).allowed
    assert judge(stolen.access_key_id, "s3:GetObject", resource,
                 stolen.expiration).error_code == "ExpiredToken"


def test_install_fails_loudly_when_instance_start_changed(monkeypatch):
    from moto.ec2.models.instances import Instance

    from labguide.sim import ec2_lifecycle
    from labguide.sim.errors import ExtensionError

    monkeypatch.setattr(ec2_lifecycle, "_installed", False)
    monkeypatch.setattr(Instance, "start", lambda self, force=False: None)
    with pytest.raises(ExtensionError, match="Instance.start"):
        ec2_lifecycle.install()


def test_install_fails_loudly_when_sts_sessions_changed(monkeypatch):
    from moto.sts.models import AssumedRole

    from labguide.sim import ec2_lifecycle
    from labguide.sim.errors import ExtensionError

    monkeypatch.setattr(ec2_lifecycle, "_installed", False)
    monkeypatch.setattr(AssumedRole, "__init__", lambda self, account_id: None)
    with pytest.raises(ExtensionError, match="AssumedRole"):
        ec2_lifecycle.install()


def test_an_instance_given_a_profile_gets_its_roles_credentials(moto_in_process,
                                                                build_theft_world):
    """AssociateIamInstanceProfile on a running instance: IMDS serves the role's
    credentials (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
    "attach an IAM role to an instance"); without a profile there are none."""
    world = build_theft_world()
    ec2 = _ec2(world)
    host = world.truth.attacker_instance_id  # runs without a profile
    assert instance_credentials.current(world.account_id, host) is None
    associated = ec2.associate_iam_instance_profile(
        InstanceId=host, IamInstanceProfile={"Name": world.truth.instance_profile_name})
    given = instance_credentials.current(world.account_id, host)
    assert given is not None and given.session.role_arn == world.truth.role_arn
    assert given.last_updated == world.clock.now()
    # Replacing it with the same profile issues nothing new; the set stays.
    world.advance(60)
    ec2.replace_iam_instance_profile_association(
        AssociationId=associated["IamInstanceProfileAssociation"]["AssociationId"],
        IamInstanceProfile={"Name": world.truth.instance_profile_name})
    assert instance_credentials.current(world.account_id, host) == given


def test_the_world_is_in_a_zone_of_its_region(moto_in_process, build_theft_world):
    world = build_theft_world()
    ec2 = _ec2(world)
    zone = f"{world.region}a"
    subnet = ec2.describe_subnets(SubnetIds=[world.truth.subnet_id])["Subnets"][0]
    assert subnet["AvailabilityZone"] == zone
    instance = ec2.describe_instances(InstanceIds=[world.truth.instance_id])[
        "Reservations"][0]["Instances"][0]
    assert instance["Placement"]["AvailabilityZone"] == zone
    assert world.attacker.plan.instance_details["availabilityZone"] == zone
    # A subnet created without a zone lands in this Region too (AWS picks one of its zones).
    other = ec2.create_subnet(VpcId=world.truth.vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]
    assert other["AvailabilityZone"].startswith(world.region)


def _health(ec2, instance_id):
    tags = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0][
        "Instances"][0]["Tags"]
    return next(t["Value"] for t in tags if t["Key"] == "app-health")


def test_the_applications_health_follows_the_instance_state_at_once(moto_in_process,
                                                                     build_theft_world):
    """Issue 11.8: "healthy" lingered ~15 s after a stop and "down" after the start, until
    the application's next round (every 60 s). It now changes with the state itself."""
    world = build_theft_world()
    ec2, instance_id = _ec2(world), world.truth.instance_id
    world.advance(1)
    assert _health(ec2, instance_id) == "healthy"
    ec2.stop_instances(InstanceIds=[instance_id])
    assert _health(ec2, instance_id).startswith("down: instance is not running")  # stopping
    world.advance(STOPPING_SECONDS)
    assert _state(ec2, instance_id)[0] == "stopped"
    assert _health(ec2, instance_id).startswith("down")
    ec2.start_instances(InstanceIds=[instance_id])
    assert _health(ec2, instance_id).startswith("down")  # pending
    world.advance(PENDING_SECONDS)
    assert _state(ec2, instance_id)[0] == "running"
    assert _health(ec2, instance_id) == "healthy"  # not at the next round, 60 s on


def _addresses(ec2, instance_id):
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0][
        "Instances"][0]
    return instance.get("PublicIpAddress"), instance["PrivateIpAddress"]


def _ec2_scenario_world(account_id):
    from labguide.scenario import load_scenario
    from labguide.sim.clock import SimClock
    from labguide.sim.worlds import build_world

    scenario = load_scenario("compromised-ec2-instance").scenario
    clock = SimClock(WORLD_EPOCH + timedelta(minutes=9), frozen=True)
    return build_world(scenario.world.source, dict(scenario.world.params),
                       account_id=account_id, region=scenario.region, seed=0,
                       epoch=WORLD_EPOCH, clock=clock)


def _instance_named(ec2, name):
    for reservation in ec2.describe_instances()["Reservations"]:
        for instance in reservation["Instances"]:
            if {"Key": "Name", "Value": name} in instance.get("Tags", []):
                return instance["InstanceId"]
    raise AssertionError(f"no instance named {name}")


def _stop_and_start(world, ec2, instance_id):
    ec2.stop_instances(InstanceIds=[instance_id])
    during_stop = _addresses(ec2, instance_id)
    world.advance(STOPPING_SECONDS)
    stopped = _addresses(ec2, instance_id)
    world.advance(30)
    ec2.start_instances(InstanceIds=[instance_id])
    world.advance(PENDING_SECONDS)
    return during_stop, stopped, _addresses(ec2, instance_id)


def test_a_stop_releases_an_auto_assigned_public_ip_and_a_start_gives_a_new_one(
        moto_in_process):
    """AWS: "We release your instance's public IP address when it is stopped ... Your
    stopped or hibernated instance receives a new public IP address when it is started";
    an Elastic IP stays with its instance, and the private address is kept
    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses)."""
    world = _ec2_scenario_world("777000000101")
    ec2 = _ec2(world)
    web = _instance_named(ec2, world.params["instance_name"])
    first_public, private = _addresses(ec2, web)
    assert first_public is not None and private == "10.0.0.15"

    during_stop, stopped, started = _stop_and_start(world, ec2, web)
    assert during_stop == (first_public, private)  # released once stopped
    assert stopped == (None, private)
    new_public, kept_private = started
    assert new_public is not None and new_public != first_public
    assert kept_private == private

    # The attacker's host holds an Elastic IP: a stop and start keep it.
    attacker = _instance_named(ec2, world.params["attacker_name"])
    elastic = _addresses(ec2, attacker)
    assert elastic[0] is not None
    assert _stop_and_start(world, ec2, attacker) == (elastic, elastic, elastic)

