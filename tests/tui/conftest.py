"""Fixtures for the app's tests: one frozen simulated account shared by a module."""

from __future__ import annotations

import logging

import pytest

from labguide.scenario import load_scenario
from labguide.tui.connection import Connection, TargetSpec
from tests.tui.helpers import EPOCH, SCENARIO, SEED


@pytest.fixture(scope="module")
def frozen_sim():
    """An embedded simulated account on a frozen clock: same ids, keys and times every run."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    scenario = load_scenario(SCENARIO).scenario
    connection = Connection(TargetSpec(), scenario.region)
    connection.start_simulator(scenario.world.name, dict(scenario.world.params), seed=SEED,
                               epoch=EPOCH, journal=None, background=False, realtime=False)
    assert connection.error is None, connection.error
    yield connection
    connection.close()
