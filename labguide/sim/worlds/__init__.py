"""Worlds the simulator builds: declarative documents, bundled (labguide/sim/worlds/*.yaml,
by name) or a scenario's own (a mapping), built by `labguide.sim.worlds.build`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from labguide.errors import UserError
from labguide.sim.clock import SimClock
from labguide.sim.worlds.world import Credentials, World

__all__ = ["Credentials", "World", "build_world", "world_doc"]


def world_doc(source: str | Mapping[str, Any]) -> tuple[Any, str]:
    """The validated world document of `source` and the name it goes by."""
    from pydantic import ValidationError

    from labguide.scenario.world_model import WorldDoc
    from labguide.scenario.worlds import bundled_world

    if isinstance(source, str):
        return bundled_world(source), source
    if not isinstance(source, Mapping):
        raise UserError(f"a world is a bundled name or a mapping, not {type(source).__name__}")
    try:
        doc = WorldDoc.model_validate(dict(source))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(f"world: {where}: {first['msg']}") from None
    return doc, doc.name or "inline"


def build_world(source: str | Mapping[str, Any], params: Mapping[str, Any] | None, *,
                account_id: str, region: str, seed: int = 0, epoch: datetime | None = None,
                clock: SimClock | None = None) -> World:
    """Build world `source` (a bundled name, or a world mapping) in the current process's
    moto backends for `account_id`, with `params` over its defaults.

    Works under `moto.mock_aws()` and inside a server thread; call
    `labguide.sim.install.install_extensions()` first. Same seed and epoch give the same
    ids, keys and timestamps.
    """
    from labguide.sim.worlds.build import build

    doc, label = world_doc(source)
    return build(doc, dict(params or {}), label=label, account_id=account_id, region=region,
                 seed=seed, epoch=epoch, clock=clock)
