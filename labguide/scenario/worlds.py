"""Bundled worlds: the YAML files in labguide/sim/worlds/, by name (their file stem).

They are scenario data, read here by path (the scenario layer imports nothing of
the simulator) and validated with the same model as a scenario's inline world.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

import labguide
from labguide.errors import UserError
from labguide.scenario.world_model import WorldDoc

WORLDS_DIR = Path(labguide.__file__).resolve().parent / "sim" / "worlds"


def bundled_world_names() -> frozenset[str]:
    return frozenset(p.stem for p in WORLDS_DIR.glob("*.yaml") if p.is_file())


@functools.lru_cache(maxsize=16)
def bundled_world(name: str) -> WorldDoc:
    """The bundled world `name`, validated; UserError if there is none or it is broken."""
    path = WORLDS_DIR / f"{name}.yaml"
    if name not in bundled_world_names():
        known = ", ".join(sorted(bundled_world_names())) or "none"
        raise UserError(f"unknown world {name!r}; known: {known}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return WorldDoc.model_validate(data)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise UserError(f"bundled world {name!r} ({path}) is broken: {exc}") from None
