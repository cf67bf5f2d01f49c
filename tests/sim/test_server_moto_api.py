"""labguide's /moto-api/labguide/ routes on a SimServer: clock, attacker log, worlds, health."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def _call(server, path: str, payload: dict | None = None) -> tuple[int, dict]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(f"{server.endpoint_url}/moto-api/labguide/{path}", data=data,
                                     method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_and_worlds_summary_without_secrets(sim_server, served_fixture_world):
    world = served_fixture_world()
    status, health = _call(sim_server, "health")
    assert status == 200 and health["status"] == "ok" and health["worlds"] >= 1
    status, body = _call(sim_server, "worlds")
    assert status == 200
    mine = [w for w in body["worlds"] if w["account_id"] == world.account_id]
    assert mine and mine[0]["region"] == world.region and mine[0]["world"] == "fixture"
    assert world.learner.secret_access_key not in json.dumps(body)


def test_clock_advance_moves_every_world_and_runs_the_attacker(fixture_world_factory):
    from labguide.sim.server import SimServer

    # A server of its own: "every world" of the session's server may include worlds whose
    # backends a mock_aws() test has reset since.
    with SimServer() as sim_server:
        first = sim_server.host_world("fixture", fixture_world_factory())
        second = sim_server.host_world("fixture", fixture_world_factory())
        _advance_all(sim_server, first, second)


def _advance_all(sim_server, first, second):
    before = len(first.attacker.recent_calls()), len(second.attacker.recent_calls())
    status, body = _call(sim_server, "clock/advance", {"seconds": 360})
    assert status == 200 and body["advanced_seconds"] == 360
    assert {first.account_id, second.account_id} <= set(body["now"])
    assert len(first.attacker.recent_calls()) == before[0] + 3
    assert len(second.attacker.recent_calls()) == before[1] + 3
    status, _ = _call(sim_server, "clock/advance", {"seconds": 120, "account": first.account_id})
    assert status == 200
    assert len(first.attacker.recent_calls()) == before[0] + 4
    assert len(second.attacker.recent_calls()) == before[1] + 3


def test_attacker_calls_as_json(sim_server, served_fixture_world):
    world = served_fixture_world()
    world.advance(480)
    status, body = _call(sim_server, f"attacker?account={world.account_id}")
    assert status == 200 and body["account"] == world.account_id
    assert [c["api"] for c in body["calls"]] == [
        "GetObject", "ListBuckets", "DescribeTrails", "DeleteBucket", "DeleteAccountPasswordPolicy"]
    assert body["calls"][3] == {"at": "2026-03-01T09:06:00Z", "service": "s3",
                                "api": "DeleteBucket", "allowed": False,
                                "error_code": "AccessDenied"}


def test_bad_requests_are_answered_in_json(sim_server, served_fixture_world):
    served_fixture_world()
    assert _call(sim_server, "clock/advance", {"seconds": -5})[0] == 400
    assert _call(sim_server, "clock/advance", {"seconds": "soon"})[0] == 400
    assert _call(sim_server, "clock/advance", {"seconds": 1, "account": "000000000000"})[0] == 404
    assert _call(sim_server, "attacker")[0] == 400
    assert _call(sim_server, "attacker?account=000000000000")[0] == 404
    assert _call(sim_server, "nope")[0] == 404
    assert _call(sim_server, "health", {"x": 1})[0] == 405


def test_a_failing_world_is_reported_and_the_others_advance(fixture_world_factory):
    from labguide.sim.server import SimServer

    class Broken:
        account_id, region = "299999999999", "ap-southeast-2"

        def __init__(self, clock):
            self.clock = clock

        def advance(self, seconds):
            raise RuntimeError("backend gone")

        def stop(self):
            pass

    with SimServer() as sim_server:
        healthy = sim_server.host_world("fixture", fixture_world_factory())
        sim_server.host_world("broken", Broken(healthy.clock))
        before = len(healthy.attacker.recent_calls())
        status, body = _call(sim_server, "clock/advance", {"seconds": 120})
        assert status == 500
        assert "299999999999" in body["message"] and "backend gone" in body["message"]
        assert len(healthy.attacker.recent_calls()) == before + 1
