"""How a target is built for the app and for the CLI alike: one place, so that a check
round in the app reads the same clock as `labguide check` (the world's, on the simulator;
the account's own elsewhere)."""

from __future__ import annotations

from typing import Any

from labguide.target import Target


def simulator_target(sim: Any, region: str) -> Target:
    """The learner's target on a simulated world (an EmbeddedSim, or anything with
    `endpoint_url` and `world`): the learner's keys and the world's clock, which may run
    ahead of this machine's (a resumed world, a test's frozen one). The clock is read from
    the sim's world of the moment: a rewind swaps the world (same account, same keys)."""
    return Target.for_simulator(sim.endpoint_url, sim.world.learner, region,
                                clock=lambda: sim.world.clock.now())


def remote_target(kind: str, *, endpoint: str | None, region: str | None,
                  profile: str | None, default_region: str | None,
                  allow_changes: bool | None) -> Target:
    """An endpoint (changes allowed unless it is AWS itself) or a real account (read-only
    unless `allow_changes`); credentials from boto3's chain."""
    if kind == "endpoint":
        return Target.for_endpoint(endpoint or "", region=region, profile=profile,
                                   default_region=default_region, allow_changes=allow_changes)
    return Target.for_aws(region=region, profile=profile, default_region=default_region,
                          allow_changes=bool(allow_changes))
