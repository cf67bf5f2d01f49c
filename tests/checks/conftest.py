"""A simulated lab for check tests: a fresh world, in-process (moto.mock_aws) or served
over HTTP by a SimServer, with a target, a check runner and helpers to act on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from moto import mock_aws

from labguide.actions import apply, revocation_document
from labguide.checks import CheckRunner, RoundResult
from labguide.checks.facts import discover, iso
from labguide.scenario import load_scenario
from labguide.target import Credentials, Target


@pytest.fixture(scope="session")
def loaded():
    return load_scenario("compromised-iam-credentials")


@dataclass
class Lab:
    loaded: Any
    world: Any
    target: Target
    runner: CheckRunner
    server: Any = None

    @property
    def truth(self):
        return self.world.truth

    def round(self, *step_ids: str, answers: dict | None = None) -> RoundResult:
        return self.runner.run_round(list(step_ids) or None, answers)

    def check(self, step_id: str, answers: dict | None = None):
        (step,) = self.round(step_id, answers=answers).steps
        return step

    def solve(self, step_id: str) -> None:
        facts = discover(self.target, self.loaded.scenario.facts).values()
        apply(self.loaded.scenario.step(step_id), facts, self.target,
              now=iso(self.target.now()))

    def call(self, service: str, operation: str, **params: Any) -> dict:
        return self.target.call(service, operation, **params)

    def revoke_at(self, moment, role: str | None = None, name: str = "AWSRevokeOlderSessions",
                  document: dict | None = None) -> None:
        body = json.dumps(document) if document else revocation_document(iso(moment))
        self.call("iam", "PutRolePolicy", RoleName=role or self.truth.role_name,
                  PolicyName=name, PolicyDocument=body)

    def advance(self, seconds: float) -> None:
        self.world.advance(seconds)

    def later(self, seconds: float = 0):
        return self.world.clock.now() + timedelta(seconds=seconds)


@contextmanager
def _session(loaded, world, target) -> Iterator[Lab]:
    runner = CheckRunner(loaded, target)
    try:
        yield Lab(loaded, world, target, runner)
    finally:
        runner.close()


@contextmanager
def inprocess(loaded) -> Iterator[Lab]:
    """A world built under moto.mock_aws; boto3 reaches it without a network."""
    from labguide.sim.install import install_extensions
    from labguide.sim.server import allocate_account_id
    from labguide.sim.worlds import build_world

    install_extensions()
    scenario = loaded.scenario
    with mock_aws():
        world = build_world(scenario.world.source, dict(scenario.world.params),
                            account_id=allocate_account_id(), region=scenario.region)
        target = Target(kind="sim", region=scenario.region,
                        credentials=Credentials(world.learner.access_key_id,
                                                world.learner.secret_access_key),
                        clock=world.clock.now)
        with _session(loaded, world, target) as lab:
            yield lab


@contextmanager
def served(loaded) -> Iterator[Lab]:
    """A world on a SimServer on loopback; boto3 reaches it over HTTP."""
    from labguide.sim.server import SimServer

    scenario = loaded.scenario
    with SimServer() as server:
        world = server.add_world(scenario.world.name, dict(scenario.world.params),
                                 region=scenario.region)
        target = Target.for_simulator(server.endpoint_url, world.learner, scenario.region,
                                      clock=world.clock.now)
        with _session(loaded, world, target) as lab:
            lab.server = server
            yield lab


@pytest.fixture(params=["inprocess", "server"])
def lab(request, loaded) -> Iterator[Lab]:
    """A fresh simulated account, reached through boto3 in-process or over HTTP."""
    with (inprocess if request.param == "inprocess" else served)(loaded) as made:
        yield made


@pytest.fixture
def inprocess_lab(loaded) -> Iterator[Lab]:
    """The in-process lab only, for the many negative cases."""
    with inprocess(loaded) as made:
        yield made
