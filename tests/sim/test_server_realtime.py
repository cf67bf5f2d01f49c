"""SimServer drives every world from one thread, and its accounts skip moto's default AMIs."""

from __future__ import annotations

import os
import threading

from labguide.sim.server import DEFAULT_AMIS_SETTING, SimServer


class CountingWorld:
    """A world stand-in that counts ticks (or fails on every tick)."""

    def __init__(self, account_id: str, fail: bool = False):
        self.account_id, self.fail, self.ticks = account_id, fail, 0

    def tick(self) -> int:
        if self.fail:
            raise RuntimeError("broken world")
        self.ticks += 1
        return 0

    def stop(self) -> None:
        pass


def test_one_driver_ticks_every_world_and_survives_a_broken_one():
    server = SimServer()  # not started: the driver needs no listening socket
    good = [CountingWorld(f"99000000000{i}") for i in range(3)]
    broken = CountingWorld("990000000009", fail=True)
    for world in [good[0], broken, *good[1:]]:
        server.host_world("counting", world)
    try:
        assert server.tick_worlds() == 3
        assert [w.ticks for w in good] == [1, 1, 1]
        before = {t.name for t in threading.enumerate()}
        server.start_realtime(poll_seconds=3600)
        server.start_realtime(poll_seconds=3600)  # idempotent
        started = {t.name for t in threading.enumerate()} - before
        assert len(started) == 1 and started.pop().startswith("labguide-sim-worlds")
    finally:
        server.stop()
    assert not any(t.name.startswith("labguide-sim-worlds") and t.is_alive()
                   for t in threading.enumerate())


def test_world_accounts_hold_only_the_amis_the_world_registers(sim_server):
    from moto.ec2.models import ec2_backends

    assert os.environ.get(DEFAULT_AMIS_SETTING) == "false"
    world = sim_server.add_world("iam-credential-theft", {}, region="us-west-2")
    amis = ec2_backends[world.account_id]["us-west-2"].amis
    assert 0 < len(amis) < 10  # moto's default set is over a thousand
