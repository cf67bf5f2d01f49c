"""The app and the CLI build a simulator target the same way: on the world's clock."""

from __future__ import annotations

from datetime import UTC, datetime

from labguide.cli.check_cmd import open_target
from labguide.lab.connection import Connection, TargetSpec
from labguide.scenario import load_scenario

EPOCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # a world's clock far from this machine's


def test_the_apps_check_rounds_read_the_worlds_clock(tmp_path):
    loaded = load_scenario("compromised-iam-credentials")
    scenario = loaded.scenario
    connection = Connection(TargetSpec(), scenario.region)
    connection.start_simulator(scenario.world.name, dict(scenario.world.params), seed=3,
                               epoch=EPOCH, journal=None, background=False, realtime=False)
    try:
        world_now = connection.embedded.world.clock.now().replace(microsecond=0)
        assert connection.target.now() == world_now  # not the STS Date header's
        assert abs((world_now - datetime.now(UTC)).total_seconds()) > 3600
        assert connection.account_now(connection.target) == world_now
    finally:
        connection.close()


def test_the_cli_builds_it_the_same_way():
    import argparse

    loaded = load_scenario("compromised-iam-credentials")
    args = argparse.Namespace(target="sim", region=None, profile=None, endpoint=None)
    with open_target(args, loaded) as target:
        assert target.clock is not None
