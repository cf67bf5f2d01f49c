"""Worlds the simulator can build, by name (the scenario's `world.name`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from labguide.errors import UserError
from labguide.scenario.names import WORLD_NAMES
from labguide.sim.clock import SimClock
from labguide.sim.worlds.world import Credentials, World

__all__ = ["Credentials", "World", "build_world", "WORLD_BUILDERS"]


def _iam_credential_theft(*args: Any, **kwargs: Any) -> World:
    from labguide.sim.worlds.iam_credential_theft import build

    return build(*args, **kwargs)


WORLD_BUILDERS: dict[str, Callable[..., World]] = {
    "iam-credential-theft": _iam_credential_theft,
}

if set(WORLD_BUILDERS) != set(WORLD_NAMES):  # the scenario vocabulary and the builders agree
    raise RuntimeError(
        f"world builders {sorted(WORLD_BUILDERS)} differ from WORLD_NAMES {sorted(WORLD_NAMES)}"
    )


def build_world(name: str, params: dict[str, Any], *, account_id: str, region: str,
                seed: int = 0, epoch: datetime | None = None,
                clock: SimClock | None = None) -> World:
    """Build world `name` in the current process's moto backends for `account_id`.

    Works under `moto.mock_aws()` and inside a server thread; call
    `labguide.sim.install.install_extensions()` first. Same seed and epoch give the same
    ids, keys and timestamps.
    """
    builder = WORLD_BUILDERS.get(name)
    if builder is None:
        raise UserError(f"unknown world {name!r}; known: {', '.join(sorted(WORLD_BUILDERS))}")
    return builder(params or {}, account_id=account_id, region=region, seed=seed,
                   epoch=epoch, clock=clock)
