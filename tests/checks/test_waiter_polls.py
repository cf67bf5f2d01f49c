"""A stop and start waited for against an endpoint (a class server is one, shared by a whole
class) asks about the instance about once a second, not every 50 ms: the restart step of a
200-seat class sent about 300 DescribeInstances per participant before."""

from __future__ import annotations

import dataclasses

from labguide.actions import restart_instance
from tests.checks.conftest import served


def test_a_restart_on_an_endpoint_polls_about_once_a_second(loaded):
    with served(loaded) as lab:
        target = dataclasses.replace(lab.target, kind="endpoint")  # as `--endpoint`/`join`
        asked: list[str] = []
        target.client("ec2").meta.events.register(
            "before-call.ec2.DescribeInstances", lambda **_: asked.append("describe"))
        instance_id = lab.truth.instance_id
        restart_instance(instance_id).run(target)
        state = lab.call("ec2", "DescribeInstances", InstanceIds=[instance_id])
        assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"
        # stopping lasts 10 s and pending 5 s on the world's clock: about 15 polls at 1 s
        assert 2 <= len(asked) <= 30, len(asked)
