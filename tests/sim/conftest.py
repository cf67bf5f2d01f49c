"""Shared simulator fixtures: a tiny fixture world, a served SimServer, boto3 helpers.

The fixture world is deliberately small (a learner user, a GuardDuty detector, an
attacker that records one GuardDuty call per simulated 2 minutes) so that the
GuardDuty extension and the server can be tested apart from the full worlds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from labguide.sim.clock import SimClock
from labguide.sim.install import install_extensions

REGION = "ap-southeast-2"
EPOCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FINDING_UNAUTHORIZED = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
FINDING_RECON = "Recon:IAMUser/MaliciousIPCaller.Custom"
ATTACKER_IP = "198.51.100.23"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class AttackerCall:
    at: datetime
    service: str
    api: str
    allowed: bool
    error_code: str | None


@dataclass
class FixtureAttacker:
    calls: list[AttackerCall] = field(default_factory=list)

    def recent_calls(self) -> list[AttackerCall]:
        return list(self.calls)


@dataclass(frozen=True)
class Truth:
    detector_id: str
    stolen_access_key_id: str
    instance_id: str


class FixtureWorld:
    """A learner, a detector and an attacker calling every 120 simulated seconds."""

    PLAN = (("s3", "GetObject", None), ("s3", "ListBuckets", None),
            ("cloudtrail", "DescribeTrails", None), ("s3", "DeleteBucket", "AccessDenied"),
            ("iam", "DeleteAccountPasswordPolicy", "AccessDenied"))

    def __init__(self, account_id: str, region: str = REGION, epoch: datetime = EPOCH,
                 seed: int | None = None):
        from moto.iam.models import iam_backends

        from labguide.sim.guardduty.models import guardduty_backends

        install_extensions()
        self.account_id, self.region = account_id, region
        self.clock, self.epoch = SimClock(epoch), epoch
        iam = iam_backends[account_id]["aws"]
        iam.create_user(region, "learner")
        key = iam.create_access_key("learner")
        self.learner = Credentials(key.access_key_id, key.secret_access_key)
        self.guardduty = guardduty_backends[account_id][region]
        from moto.moto_api._internal import mock_random

        state = mock_random.getstate()
        if seed is not None:  # same seed, same detector id (as worlds promise)
            mock_random.seed(seed)
        detector_id = self.guardduty.create_detector(True, "SIX_HOURS", {}, {}, [])
        mock_random.setstate(state)
        suffix = account_id[-6:]
        self.truth = Truth(detector_id, f"ASIAFIXTURE{suffix}00", f"i-0fixture{suffix}")
        self.attacker = FixtureAttacker()
        self._lock = threading.Lock()
        self._next_call = self.clock.now()
        self._step = 0
        self.realtime = False
        self.advance(0)

    def _call(self, at: datetime) -> None:
        service, api, error = self.PLAN[self._step % len(self.PLAN)]
        finding_type = FINDING_RECON if api.startswith(("List", "Describe")) else \
            FINDING_UNAUTHORIZED
        self.guardduty.record_api_call(
            self.truth.detector_id, finding_type=finding_type,
            access_key_details={"accessKeyId": self.truth.stolen_access_key_id,
                                "principalId": f"AROAFIXTURE:{self.truth.instance_id}",
                                "userName": "fixture-role", "userType": "AssumedRole"},
            instance_details={"instanceId": self.truth.instance_id,
                              "iamInstanceProfile": {"arn": "arn:aws:iam::1:instance-profile/p",
                                                     "id": "AIPAFIXTURE"}},
            api=api, service_name=f"{service}.amazonaws.com", remote_ip=ATTACKER_IP,
            error_code=error, threat_list_name="Custom-Threat-List-fixture", at=at,
        )
        self.attacker.calls.append(AttackerCall(at, service, api, error is None, error))
        self._step += 1

    def advance(self, seconds: float) -> None:
        with self._lock:
            now = self.clock.advance(seconds)
            while self._next_call <= now:
                self._call(self._next_call)
                self._next_call += timedelta(seconds=120)

    def catch_up(self, moment: datetime) -> None:
        """As World.catch_up: only the last hour before `moment` is lived."""
        with self._lock:
            skip = (moment - self.clock.now()) - timedelta(hours=1)
            if skip > timedelta(0):
                now = self.clock.advance(skip.total_seconds())
                while self._next_call <= now:
                    self._next_call += timedelta(seconds=120)
        ahead = (moment - self.clock.now()).total_seconds()
        if ahead > 0:
            self.advance(ahead)

    def start_realtime(self) -> None:
        self.realtime = True

    def stop(self) -> None:
        self.realtime = False


_accounts = iter(range(300_000_000_001, 400_000_000_000, 17))


@pytest.fixture
def fixture_world_factory():
    """Builds fixture worlds in fresh accounts of this process's moto state."""

    def build(seed: int | None = None, epoch: datetime = EPOCH,
              account_id: str | None = None) -> FixtureWorld:
        return FixtureWorld(account_id or f"{next(_accounts):012d}", seed=seed, epoch=epoch)

    return build


def client_for(world, service: str, endpoint_url: str | None = None):
    """A boto3 client that acts as the world's learner (through the server if given)."""
    return boto3.client(
        service, region_name=world.region, endpoint_url=endpoint_url,
        aws_access_key_id=world.learner.access_key_id,
        aws_secret_access_key=world.learner.secret_access_key,
    )


@pytest.fixture
def learner_client():
    """`learner_client(world, service, endpoint_url=None)`: a boto3 client as the learner."""
    return client_for


@pytest.fixture
def served_fixture_world(sim_server, fixture_world_factory):
    """`served_fixture_world()`: a fixture world in a fresh account, hosted by `sim_server`."""

    def build() -> FixtureWorld:
        return sim_server.host_world("fixture", fixture_world_factory())

    return build


@pytest.fixture(scope="session")
def sim_server():
    """One SimServer on loopback for the session's server tests (worlds differ by account)."""
    from labguide.sim.server import SimServer

    server = SimServer().start()
    yield server
    server.stop()


# ----- sim-world fixtures: the full iam-credential-theft world --------------------------

WORLD = "iam-credential-theft"
WORLD_EPOCH = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def install_all_extensions() -> None:
    """Every extension, including sim-world's (idempotent, whether or not install.py lists them)."""
    from labguide.sim import ec2_lifecycle, iam_revocation, ssm_shell

    install_extensions()
    iam_revocation.install()
    ec2_lifecycle.install()
    ssm_shell.install()


@pytest.fixture
def moto_in_process(monkeypatch):
    """moto in-process (mock_aws) with every extension; AWS default AMIs not preloaded."""
    from moto import mock_aws

    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    install_all_extensions()
    with mock_aws():
        yield


_world_accounts = iter(range(500_000_000_003, 600_000_000_000, 7919))


@pytest.fixture
def build_theft_world():
    """`build_theft_world(params=None, seed=0, account_id=None)`: the full world, in process."""

    def build(params=None, seed=0, account_id=None, epoch=WORLD_EPOCH):
        install_all_extensions()
        return build_frozen_world(params, seed=seed, epoch=epoch, account_id=account_id or
                                  f"{next(_world_accounts):012d}")

    return build


def build_frozen_world(params=None, *, account_id, seed=0, epoch=WORLD_EPOCH):
    """The world on a frozen clock at its "now" (epoch + 9 min: three attacker rounds
    done, and GuardDuty's publication delay later, so the findings show them), so that a
    test's timeline is exact."""
    from labguide.sim.clock import SimClock
    from labguide.sim.guardduty.models import PUBLICATION_DELAY
    from labguide.sim.worlds import build_world

    clock = SimClock(epoch + timedelta(minutes=9) + PUBLICATION_DELAY, frozen=True)
    return build_world(WORLD, dict(params or {}), account_id=account_id, region=REGION,
                       seed=seed, epoch=epoch, clock=clock)


@pytest.fixture(scope="session")
def theft_server():
    """A SimServer of its own for full worlds: tests that advance every world of `sim_server`
    must not reach worlds whose backends a later mock_aws() reset has wiped."""
    from labguide.sim.server import SimServer

    server = SimServer().start()
    yield server
    server.stop()


@pytest.fixture
def served_theft_world(theft_server, monkeypatch):
    """`served_theft_world()`: the full world in a fresh account of `theft_server`."""
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    install_all_extensions()
    worlds = []

    def build(seed=0):
        from labguide.sim.server import allocate_account_id

        world = build_frozen_world(account_id=allocate_account_id(), seed=seed)
        theft_server.host_world(WORLD, world)
        worlds.append(world)
        return world

    yield build
    for world in worlds:
        world.stop()


def session_client(service, credentials, endpoint_url=None, region=REGION):
    """A boto3 client signed with role-session credentials (an InstanceCredentials)."""
    return boto3.client(
        service, region_name=region, endpoint_url=endpoint_url,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )


@pytest.fixture
def role_client():
    """`role_client(service, credentials, endpoint_url=None)`: a client signed by a role session."""
    return session_client
