"""Every bundled scenario loads, renders (before and after discovery) and its solutions render."""

from __future__ import annotations

import pytest

from labguide.scenario import (
    bundled_scenario_paths,
    load_scenario_file,
    render_finish,
    render_params,
    render_step,
    solution_variables,
    split_callouts,
)
from labguide.scenario.callouts import callout_problems

PATHS = bundled_scenario_paths()


def test_there_is_a_bundled_scenario():
    assert "compromised-iam-credentials" in [p.stem for p in PATHS]


@pytest.fixture(params=PATHS, ids=lambda p: p.stem)
def loaded(request):
    return load_scenario_file(request.param)


def _sample_facts(loaded) -> dict[str, str]:
    return {name: f"VALUE-OF-{name}" for name in loaded.scenario.facts}


def test_file_stem_is_the_scenario_id(loaded):
    assert loaded.path.stem == loaded.scenario.id


def test_steps_render_with_placeholders_then_with_values(loaded):
    facts = _sample_facts(loaded)
    for step in loaded.scenario.steps:
        before = render_step(loaded, step.id, {})
        after = render_step(loaded, step.id, facts)
        for text in (before, after):
            assert "{{" not in text and "{%" not in text and "None" not in text
            assert callout_problems(text) == []
            assert split_callouts(text)
        assert "‹" not in after
        for name in loaded.scenario.facts:
            if f"VALUE-OF-{name}" in after:
                assert f"‹{name.replace('_', ' ')}›" in before
    assert "‹" not in render_finish(loaded, facts)


def test_solutions_render_with_facts_and_earlier_results(loaded):
    facts = _sample_facts(loaded)
    for step in loaded.scenario.steps:
        results: dict[str, object] = {}
        for op in step.solve:
            variables = solution_variables(facts, loaded.scenario.region, results,
                                           now="2024-01-01T00:00:00Z")
            rendered = render_params(op.params, variables)
            if op.waiter is not None:
                render_params(op.waiter.params, variables)
            assert "{{" not in repr(rendered)
            if op.save_as:
                results[op.save_as] = _Anything()


class _Anything(dict):
    """A saved response that answers any key path, as a real one would."""

    def __getitem__(self, key):
        return _Anything()

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        return _Anything()

    def __str__(self) -> str:
        return "saved-value"
