"""The embedded world lives on the learner's wall clock: fresh, and resumed days later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from labguide.scenario import load_scenario
from labguide.sim.embedded import start_embedded


def _world_args():
    scenario = load_scenario("compromised-iam-credentials").scenario
    return scenario.world.name, dict(scenario.world.params), scenario.region


def test_a_fresh_world_is_on_the_wall_clock_with_findings_already_there(tmp_path):
    name, params, region = _world_args()
    sim = start_embedded(name, params, region, journal=tmp_path / "j", realtime=False)
    try:
        drift = abs((sim.world.clock.now() - datetime.now(UTC)).total_seconds())
        assert drift < 5  # a revocation dated with `date -u` must be after the theft
        assert sim.world.truth.stolen_session_issued_at < datetime.now(UTC) - timedelta(minutes=5)
        assert sim.world.attacker.recent_calls()
    finally:
        sim.stop()


def test_a_world_resumed_long_after_catches_up_to_now_quickly(tmp_path):
    name, params, region = _world_args()
    journal = tmp_path / "j"
    epoch = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    sim = start_embedded(name, params, region, epoch=epoch, journal=journal, realtime=False)
    sim.stop()
    resumed = start_embedded(name, params, region, journal=journal, realtime=False)
    try:
        assert resumed.world.epoch == epoch
        drift = abs((resumed.world.clock.now() - datetime.now(UTC)).total_seconds())
        assert drift < 5
        calls = resumed.world.attacker.recent_calls()
        assert calls and calls[-1].at > datetime.now(UTC) - timedelta(minutes=5)
    finally:
        resumed.stop()
