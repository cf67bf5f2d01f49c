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


def _ec2(world, endpoint_url=None):
    return boto3.client("ec2", region_name=world.region, endpoint_url=endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def _launch_time(ec2, instance_id):
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return reservations[0]["Instances"][0]["LaunchTime"]


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
    ec2.stop_instances(InstanceIds=[instance_id])
    assert instance_credentials.current(world.account_id, instance_id) == stolen
    world.advance(30)
    ec2.start_instances(InstanceIds=[instance_id])
    started_at = world.clock.now()
    assert _launch_time(ec2, instance_id) == started_at

    rotated = instance_credentials.current(world.account_id, instance_id)
    assert rotated.access_key_id != stolen.access_key_id
    assert rotated.access_key_id.startswith("ASIA") and len(rotated.access_key_id) == 20
    assert rotated.last_updated == started_at
    assert rotated.expiration == started_at + timedelta(hours=6)
    document = rotated.imds_document()
    assert list(document) == ["Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey",
                              "Token", "Expiration"]
    assert document["LastUpdated"] == started_at.strftime("%Y-%m-%dT%H:%M:%SZ")

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

    # Starting a running instance changes nothing.
    world.advance(30)
    ec2.start_instances(InstanceIds=[instance_id])
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
