"""The scenario layer: the format (model, JSON Schema), loading and validation, rendering.

Lowest layer above `labguide.errors`: it imports nothing else of labguide.
Names are imported on first use (PEP 562), so a caller that needs only a loaded
scenario from the cache does not pay for YAML, Jinja and the validator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "bundled_scenario_paths": "bundled",
    "bundled_scenarios": "bundled",
    "Block": "callouts",
    "split_callouts": "callouts",
    "LoadedScenario": "loaded",
    "load_scenario": "loader",
    "load_scenario_file": "loader",
    "scenario_path": "bundled",
    "load_scenario_cached": "cache",
    "ContentError": "render",
    "render_finish": "render",
    "render_params": "render",
    "render_step": "render",
    "solution_variables": "render",
    "scenario_json_schema": "schema",
}

__all__ = [
    "Block",
    "ContentError",
    "LoadedScenario",
    "bundled_scenario_paths",
    "bundled_scenarios",
    "load_scenario",
    "load_scenario_cached",
    "load_scenario_file",
    "render_finish",
    "render_params",
    "render_step",
    "scenario_json_schema",
    "scenario_path",
    "solution_variables",
    "split_callouts",
]
assert sorted(__all__) == sorted(_HOMES)

if TYPE_CHECKING:
    from labguide.scenario.bundled import bundled_scenario_paths, bundled_scenarios, scenario_path
    from labguide.scenario.cache import load_scenario_cached
    from labguide.scenario.callouts import Block, split_callouts
    from labguide.scenario.loaded import LoadedScenario
    from labguide.scenario.loader import load_scenario, load_scenario_file
    from labguide.scenario.render import (
        ContentError,
        render_finish,
        render_params,
        render_step,
        solution_variables,
    )
    from labguide.scenario.schema import scenario_json_schema


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
