"""The scenario layer: the format (model, JSON Schema), loading and validation, rendering.

Lowest layer above `labguide.errors`: it imports nothing else of labguide.
"""

from labguide.scenario.bundled import bundled_scenario_paths, bundled_scenarios
from labguide.scenario.callouts import Block, split_callouts
from labguide.scenario.loader import LoadedScenario, load_scenario, load_scenario_file
from labguide.scenario.render import (
    ContentError,
    render_finish,
    render_params,
    render_step,
    solution_variables,
)
from labguide.scenario.schema import scenario_json_schema

__all__ = [
    "Block",
    "ContentError",
    "LoadedScenario",
    "bundled_scenario_paths",
    "bundled_scenarios",
    "load_scenario",
    "load_scenario_file",
    "render_finish",
    "render_params",
    "render_step",
    "scenario_json_schema",
    "solution_variables",
    "split_callouts",
]
