"""Building a declarative world (labguide.scenario.world_model) in moto's backends.

Order: the parameters (the world's defaults under the scenario's values, each a
template over those before it), the images, the learner, the account, the resources
kind by kind, the actors, the ground truth; then the actors' schedule, and the world's
clock moved to its `now` (actors have run up to then).

Ids come from moto's mock_random, seeded per (seed, account) while the world is built
(under a lock), and from random.Random seeded the same way, so the same document, seed
and epoch give the same world.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from labguide.errors import UserError
from labguide.scenario.kinds import implementation
from labguide.scenario.world_model import ACTOR_REGISTRY, Resources, WorldDoc
from labguide.sim.clock import SimClock, register_account_clock, to_utc
from labguide.sim.guardduty.models import PUBLICATION_DELAY
from labguide.sim.public_ips import random_public_ip
from labguide.sim.ssm_shell.models import forget_account as forget_agent_pings
from labguide.sim.state import forget_account as forget_simulator_state
from labguide.sim.worlds.images import register_images
from labguide.sim.worlds.resources import (
    CREATORS,
    BuildContext,
    apply_account,
    create_learner,
)
from labguide.sim.worlds.templating import Namespace, render
from labguide.sim.worlds.world import Credentials, World

_build_lock = threading.Lock()


def resolve_params(doc: WorldDoc, given: dict[str, Any], label: str,
                   base: dict[str, Any]) -> dict[str, Any]:
    """The world's parameter values: its defaults under `given`; unknown names are an error."""
    unknown = sorted(set(given) - set(doc.params))
    if unknown:
        raise UserError(f"world {label!r}: unknown params {', '.join(unknown)}; "
                        f"known: {', '.join(sorted(doc.params))}")
    values: dict[str, Any] = {}
    for name, default in doc.params.items():
        value = given[name] if given.get(name) is not None else default
        values[name] = render(value, {**base, "params": Namespace(values)}, f"params.{name}")
    for name, bounds in doc.bounds.items():
        value = values.get(name)
        if bounds.minimum is not None and (not isinstance(value, int) or isinstance(value, bool)
                                           or value < bounds.minimum):
            word = ("a positive integer" if bounds.minimum == 1
                    else f"an integer >= {bounds.minimum}")
            raise UserError(f"world {label!r}: {name} must be {word}")
        if bounds.min_items is not None:
            if isinstance(value, str):
                value = values[name] = [value]
            if (not isinstance(value, list) or len(value) < bounds.min_items
                    or not all(isinstance(v, str) and v for v in value)):
                raise UserError(f"world {label!r}: {name} must list at least "
                                f"{bounds.min_items} non-empty name(s)")
    return values


def _seed_for(seed: int, account_id: str) -> int:
    return int(hashlib.sha256(f"{seed}|{account_id}".encode()).hexdigest()[:15], 16)


def build(doc: WorldDoc, params: dict[str, Any], *, label: str, account_id: str, region: str,
          seed: int = 0, epoch: datetime | None = None, clock: SimClock | None = None) -> World:
    base = {"account_id": account_id, "region": region,
            "guardduty_delay": int(PUBLICATION_DELAY.total_seconds())}
    values = resolve_params(doc, params or {}, label, base)
    base["params"] = Namespace(values)
    now_after = render(doc.model_dump(include={"now"})["now"], base, "now")
    try:
        offset = timedelta(seconds=float(now_after))
    except (TypeError, ValueError):
        raise UserError(f"world {label!r}: now must be a number of seconds, not "
                        f"{now_after!r}") from None
    if epoch is None:
        clock = clock or SimClock()
        epoch = clock.now() - offset
    epoch = to_utc(epoch).replace(microsecond=0)
    if clock is None:
        clock = SimClock(start=epoch + offset)
    with _build_lock:
        from moto.moto_api._internal import mock_random

        # A rebuilt account (a fresh mock_aws, a resumed embedded world) starts from nothing.
        forget_simulator_state(account_id)
        forget_agent_pings(account_id)
        register_account_clock(account_id, clock)
        mock_random.seed(_seed_for(seed, account_id))
        rng = random.Random(_seed_for(seed, account_id))
        world = _provision(doc, label, values, base, account_id=account_id, region=region,
                           epoch=epoch, clock=clock, rng=rng)
    world.tick()  # the actors' first rounds, up to now
    return world


def _provision(doc: WorldDoc, label: str, values: dict[str, Any], base: dict[str, Any], *,
               account_id: str, region: str, epoch: datetime, clock: SimClock,
               rng: random.Random) -> World:
    ctx = BuildContext(account_id=account_id, region=region, epoch=epoch, rng=rng)
    variables = {
        **base, "epoch": epoch, "resources": ctx.resources,
        "random_uuid": lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "random_public_ip": lambda: random_public_ip(rng),
    }
    raw = doc.model_dump(exclude_unset=True)
    register_images(ctx.ec2, epoch)
    learner = create_learner(ctx, type(doc.learner).model_validate(
        render(raw.get("learner", {}), variables, "learner")))
    apply_account(ctx, type(doc.account).model_validate(
        render(raw.get("account", {}), variables, "account")))
    for kind, creator in CREATORS.items():
        model = Resources.model_fields[kind].annotation.__args__[0]  # list[Model]
        for index, item in enumerate(raw.get("resources", {}).get(kind, [])):
            where = f"resources.{kind}[{index}]"
            spec = _validated(model, render(item, variables, where), label, where)
            if spec.id in ctx.resources:
                raise UserError(f"world {label!r}: {where}: id {spec.id!r} is used twice")
            ctx.resources[spec.id] = creator(ctx, spec)
    actors = Namespace()
    schedule: list[tuple[str, datetime, float, Any]] = []
    runners: dict[str, Any] = {}
    for index, item in enumerate(raw.get("actors", [])):
        where = f"actors[{index}]"
        kind = ACTOR_REGISTRY.get(item.get("kind"))
        spec = _validated(kind.model, render(item, variables, where), label, where)
        built = implementation(kind)(spec, ctx)
        every = float(spec.every)
        if every <= 0:
            raise UserError(f"world {label!r}: {where}: every must be positive, not {every}")
        actors[spec.id] = built.exposed
        runners[spec.id] = built.runner
        schedule.append((spec.id, ctx.at(spec.first), every, built.action))
    truth = Namespace(render(raw.get("truth", {}), {**variables, "actors": actors}, "truth"))
    app = next((r for r in runners.values() if hasattr(r, "check")), None)
    world = World(
        name=label, account_id=account_id, region=region, clock=clock,
        learner=Credentials(*learner), attacker=runners.get("attacker"), truth=truth,
        params=values, app=app, epoch=epoch,
    )
    world.resources, world.actors = ctx.resources, runners
    for name, first_at, every, action in schedule:
        world.every(name, every, first_at, action)
    return world


def _validated(model: Any, data: Any, label: str, where: str) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(part) for part in first["loc"])
        raise UserError(f"world {label!r}: {where}{'.' + loc if loc else ''}: "
                        f"{first['msg']}") from None
