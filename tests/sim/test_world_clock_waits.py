"""Waits on a world the process owns (`labguide test`): the waiter's delays pass on the
world clock, not in sleep, with AWS's own waiter definition deciding (its delay, its
number of attempts, its success and failure states; botocore's ec2 waiters-2.json:
instance_stopped and instance_running poll every 15 s, 40 times). The EC2 states take
world time (stopping -> stopped, pending -> running), so the clock must move for a wait
to end at all; a frozen world clock proves that nothing else moved it."""

from __future__ import annotations

import pytest

from labguide.actions import Action, Call
from labguide.actions.base import ActionFailed, Wait
from labguide.target import Target

DELAY = 15  # ec2 waiters: delay 15 s, maxAttempts 40


def _target(world, passed):
    def pass_time(seconds):
        passed.append(seconds)
        world.advance(seconds)

    return Target.for_simulator(None, world.learner, world.region, clock=world.clock.now,
                                pass_time=pass_time)


def _state(target, instance_id):
    reservations = target.call("ec2", "DescribeInstances", InstanceIds=[instance_id])
    return reservations["Reservations"][0]["Instances"][0]["State"]["Name"]


def test_stop_then_start_waits_pass_on_the_world_clock(moto_in_process, build_theft_world):
    world = build_theft_world()
    passed: list[float] = []
    target = _target(world, passed)
    instance = world.truth.instance_id
    start = world.clock.now()
    ids = {"InstanceIds": [instance]}
    Action("stop", (Call("ec2", "StopInstances", ids), Wait("ec2", "instance_stopped", ids))
           ).run(target)
    assert _state(target, instance) == "stopped"
    assert passed == [DELAY]  # stopping right after the call; stopped one delay later
    Action("start", (Call("ec2", "StartInstances", ids), Wait("ec2", "instance_running", ids))
           ).run(target)
    assert _state(target, instance) == "running"
    assert passed == [DELAY, DELAY]
    assert (world.clock.now() - start).total_seconds() == 2 * DELAY


def test_a_wait_that_cannot_end_times_out_after_the_waiters_attempts(moto_in_process,
                                                                     build_theft_world):
    world = build_theft_world()
    passed: list[float] = []
    target = _target(world, passed)
    ids = {"InstanceIds": [world.truth.instance_id]}
    # Running, never stopped: instance_stopped can only run out of attempts.
    with pytest.raises(ActionFailed, match="Max attempts exceeded"):
        Action("wait", (Wait("ec2", "instance_stopped", ids),)).run(target)
    assert passed == [DELAY] * 39  # 40 polls, the delay between each two


def test_a_failure_state_ends_the_wait_at_once(moto_in_process, build_theft_world):
    world = build_theft_world()
    passed: list[float] = []
    target = _target(world, passed)
    ids = {"InstanceIds": [world.truth.instance_id]}
    target.call("ec2", "TerminateInstances", **ids)
    # instance_running fails on a terminated (or shutting-down) instance.
    with pytest.raises(ActionFailed, match="terminal failure state"):
        Action("wait", (Wait("ec2", "instance_running", ids),)).run(target)
    assert passed == []

