"""Each step's text rendered once with no fact known (kept in the scenario cache), and
shown without a render only while a render would give the same text."""

from __future__ import annotations

from pathlib import Path

import pytest

from labguide.scenario import load_scenario, load_scenario_cached, render_step
from labguide.scenario.cache import cached_scenario
from labguide.scenario.render import step_texts
from labguide.scenario.step_texts import text_as_loaded
from labguide.scenario.templates import fact_reads


def test_the_facts_a_template_reads_are_its_constant_lookups():
    assert fact_reads("{{ facts.a }} and {{ facts['b'] }}, {{ region }}") == {"a", "b"}
    assert fact_reads("{% if facts.a %}{{ facts.a }}{% endif %}") == {"a"}
    assert fact_reads("no facts at all") == frozenset()


@pytest.mark.parametrize("source", [
    "{{ facts }}",  # whole
    "{{ facts[name] }}",  # a computed key
    "{% for k in facts %}{{ k }}{% endfor %}",  # iterated
    "{{ facts.items() }}",  # a dict method: reads them all
    "{{ facts|length }}",
    "{% set facts = {'a': 1} %}{{ facts.a }}",  # rebound
    "{% macro m(facts) %}{{ facts.a }}{% endmacro %}{{ m(facts) }}",
])
def test_any_other_use_of_facts_means_any_fact_may_change_the_text(source):
    assert fact_reads(source) is None


def _minimal(tree: Path) -> Path:
    return tree / "scenarios" / "minimal.yaml"


def test_the_cached_scenario_keeps_each_steps_text_with_no_fact_known(scenario_tree, tmp_path):
    cache = tmp_path / "cache"
    loaded = load_scenario_cached(_minimal(scenario_tree), cache)
    again = cached_scenario(_minimal(scenario_tree), cache)
    assert again is not None and again.step_texts == loaded.step_texts
    assert set(loaded.step_texts) == set(loaded.scenario.step_ids)
    for step_id in loaded.scenario.step_ids:
        assert text_as_loaded(again.step_texts, step_id, {}) == render_step(loaded, step_id, {})
    assert loaded.step_texts["alert"].reads == {"access_key_id"}
    assert "‹access key id›" in loaded.step_texts["alert"].markdown


def test_a_known_fact_the_text_reads_needs_a_render_and_others_do_not(scenario_tree):
    loaded = load_scenario(_minimal(scenario_tree))
    texts = step_texts(loaded)
    for step_id, text in texts.items():
        for fact in loaded.scenario.facts:
            facts = {fact: "AKIAEXAMPLE0000000000"}
            shown = text_as_loaded(texts, step_id, facts)
            if text.reads is None or fact in text.reads:
                assert shown is None, (step_id, fact)
            else:  # the text made at load time is what a render with the fact gives
                assert shown == render_step(loaded, step_id, facts), (step_id, fact)
    # a list fact with no item, or no value, is still unknown: the placeholder shows
    assert text_as_loaded(texts, "alert", {"access_key_id": []}) == texts["alert"].markdown
    assert text_as_loaded(texts, "alert", {"access_key_id": None}) == texts["alert"].markdown
    assert text_as_loaded(texts, "alert", {"access_key_id": ["AKIA1"]}) is None


def test_a_step_that_cannot_be_rendered_has_no_kept_text(scenario_tree):
    """Its text is rendered when shown, which says what is wrong."""
    loaded = load_scenario(_minimal(scenario_tree))
    (scenario_tree / "content" / "minimal" / "alert.md").write_text("{{ 1 / 0 }}")
    assert "alert" not in step_texts(loaded)
    assert text_as_loaded(step_texts(loaded), "alert", {}) is None


def test_the_bundled_steps_are_kept_and_match_their_render():
    from labguide.scenario import bundled_scenario_paths

    for path in bundled_scenario_paths():
        loaded = load_scenario(path)
        texts = step_texts(loaded)
        assert set(texts) == set(loaded.scenario.step_ids), path
        for step_id, text in texts.items():
            assert text.markdown == render_step(loaded, step_id, {}), (path, step_id)
