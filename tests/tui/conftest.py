"""Fixtures for the app's tests: one frozen simulated account shared by a module."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from labguide.lab.connection import Connection, TargetSpec
from labguide.lab.targets import simulator_target
from labguide.scenario import load_scenario
from labguide.sim.server import SimServer
from tests.tui.helpers import EPOCH, SCENARIO, SEED

# Its own account id: ids and texts in snapshots must not depend on which tests ran first
# in this process (the simulator numbers accounts per process).
SNAPSHOT_ACCOUNT = "299999999999"
EC2_SCENARIO = "compromised-ec2-instance"
EC2_SNAPSHOT_ACCOUNT = "299999999998"


def frozen_connection(scenario_id: str, account: str | None):
    """A connection to a fresh simulated account holding the scenario's world, built from
    the tests' seed and epoch, with the app's own target (`connection.close()` ends it)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    scenario = load_scenario(scenario_id).scenario
    server = SimServer().start()
    world = server.add_world(scenario.world.source, dict(scenario.world.params),
                             region=scenario.region, account_id=account, seed=SEED,
                             epoch=EPOCH)
    connection = Connection(TargetSpec(), scenario.region)
    connection.embedded = SimpleNamespace(world=world, stop=server.stop,
                                          endpoint_url=server.endpoint_url)
    connection.account_id = world.account_id
    connection.target = simulator_target(connection.embedded, scenario.region)  # as the app
    connection._set_ready()
    return connection


@pytest.fixture(scope="module")
def frozen_sim(request):
    """A simulated account on a frozen clock (no realtime attacker): same ids, keys and
    times every run, whatever ran before."""
    # Only the snapshot module uses the fixed account (once per process); others get fresh ones.
    account = SNAPSHOT_ACCOUNT if request.module.__name__.endswith("test_snapshots") else None
    connection = frozen_connection(SCENARIO, account)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def frozen_ec2():
    """compromised-ec2-instance's world in an account of its own: its snapshots' ids must
    not depend on what ran before (one module at a time uses it)."""
    connection = frozen_connection(EC2_SCENARIO, EC2_SNAPSHOT_ACCOUNT)
    yield connection
    connection.close()
