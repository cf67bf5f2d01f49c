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


@pytest.fixture(scope="module")
def frozen_sim(request):
    """A simulated account on a frozen clock (no realtime attacker): same ids, keys and
    times every run, whatever ran before."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    scenario = load_scenario(SCENARIO).scenario
    server = SimServer().start()
    # Only the snapshot module uses the fixed account (once per process); others get fresh ones.
    account = SNAPSHOT_ACCOUNT if request.module.__name__.endswith("test_snapshots") else None
    world = server.add_world(scenario.world.name, dict(scenario.world.params),
                             region=scenario.region, account_id=account, seed=SEED,
                             epoch=EPOCH)
    connection = Connection(TargetSpec(), scenario.region)
    connection.embedded = SimpleNamespace(world=world, stop=server.stop,
                                          endpoint_url=server.endpoint_url)
    connection.account_id = world.account_id
    connection.target = simulator_target(connection.embedded, scenario.region)  # as the app
    connection._set_ready()
    yield connection
    connection.close()
