"""Actors that live on or against an instance's host: an SSH password guesser and the
CloudWatch agent. Registered in `labguide.scenario.world_model.ACTOR_REGISTRY`; their
behaviour is AWS's and OpenSSH's (sim/vpc_paths, sim/sshd, sim/log_agent), the plan
comes from the world document, nothing here knows an exercise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from labguide.scenario import world_model as wm
from labguide.sim.log_agent import CollectedFile, LogAgent
from labguide.sim.ssh_guessing import Guess, GuessingPlan, SshGuesser
from labguide.sim.sshd import UserAccount
from labguide.sim.worlds.actors import Built
from labguide.sim.worlds.resources import BuildContext
from labguide.sim.worlds.templating import Namespace


class InstanceHost:
    """The instance host of sim/hosts, as the SSH guesser sees it."""

    def __init__(self, account_id: str, region: str, instance_id: str):
        from labguide.sim.hosts.models import host_for

        self._host = host_for(account_id, region, instance_id)
        self.hostname = self._host.hostname.split(".")[0]  # syslog writes the short name

    def users(self) -> Mapping[str, UserAccount]:
        return {name: UserAccount(name, int(info.get("uid", 0)), info.get("password"))
                for name, info in self._host.users.items()}

    def running_config(self, service: str, path: str) -> str | None:
        found = self._host.service(service)
        return None if found is None else found.running_config(path)

    def append(self, path: str, text: str, at: datetime | None = None) -> None:
        self._host.append(path, text, at)

    def read(self, path: str) -> str | None:
        return self._host.read(path) if self._host.is_file(path) else None


def _detector(ctx: BuildContext) -> str | None:
    return next((r.id for r in ctx.resources.values() if r.get("kind") == "detector"), None)


def build_ssh_password_guesses(spec: wm.SshPasswordGuesses, ctx: BuildContext) -> Built:
    instance = ctx.ref(spec.instance, "instance")
    records = spec.records.guardduty
    plan = GuessingPlan(
        account_id=ctx.account_id, region=ctx.region, instance_id=instance.id,
        source_ip=spec.source_ip, guesses=tuple(Guess(g.user, g.password) for g in spec.guesses),
        detector_id=_detector(ctx), inbound_finding_type=records.inbound,
        outbound_finding_type=records.outbound,
        connect_back_port=spec.connect_back.port if spec.connect_back else None,
        spacing_seconds=spec.spacing)
    guesser = SshGuesser(plan, InstanceHost(ctx.account_id, ctx.region, instance.id))
    return Built(Namespace(source_ip=spec.source_ip, first_at=ctx.at(spec.first)),
                 guesser.run_round, guesser)


def _seed(*parts: str) -> int:
    """A generator seed from what the world's seed made (the instance id), drawn without
    taking from the world's random: the ids of everything built after stay as they were."""
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:16], 16)


def build_cloudwatch_agent(spec: wm.CloudWatchAgent, ctx: BuildContext) -> Built:
    instance = ctx.ref(spec.instance, "instance")
    host = InstanceHost(ctx.account_id, ctx.region, instance.id)
    agent = LogAgent(ctx.account_id, ctx.region,
                     [CollectedFile(f.path, f.log_group, f.log_stream) for f in spec.files],
                     read=host.read, seed=_seed(ctx.account_id, instance.id, spec.id))
    exposed: dict[str, Any] = {"files": [f.path for f in spec.files]}
    return Built(Namespace(exposed), agent.ship, agent)
