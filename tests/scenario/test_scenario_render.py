"""Rendering: content with facts and placeholders, strict undefined names, solution params."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labguide.errors import UserError
from labguide.scenario import (
    ContentError,
    load_scenario,
    render_finish,
    render_params,
    render_step,
    solution_variables,
)
from labguide.scenario.render import utc_now

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "scenarios" / "minimal.yaml"


@pytest.fixture
def loaded():
    return load_scenario(MINIMAL)


def test_content_gets_scenario_region_params_and_facts(loaded):
    text = render_step(loaded, "alert", {"access_key_id": "ASIAEXAMPLE"})
    assert "Scenario minimal in ap-southeast-2; the role is called demo-role." in text
    assert "The key is ASIAEXAMPLE." in text


def test_an_undiscovered_fact_is_a_visible_placeholder(loaded):
    assert "The key is ‹access key id›." in render_step(loaded, "alert", {})
    assert "The key is ‹access key id›." in render_step(loaded, "alert", {"access_key_id": None})


def test_region_can_be_overridden(loaded):
    assert "in eu-west-1;" in render_step(loaded, "alert", {}, region="eu-west-1")


def test_finish_renders(loaded):
    assert render_finish(loaded, {"access_key_id": "K"}) == "All done in ap-southeast-2 with K.\n"


def test_an_undeclared_fact_at_render_time_names_file_and_line(scenario_tree):
    loaded = load_scenario(scenario_tree / "scenarios" / "minimal.yaml")
    path = loaded.content_dir / "alert.md"
    path.write_text("one\ntwo\n{{ facts.not_declared }}\n")
    with pytest.raises(ContentError) as caught:
        render_step(loaded, "alert", {})
    assert isinstance(caught.value, UserError)
    assert str(caught.value) == (f"{path}:3: the scenario declares no fact 'not_declared'")
    assert caught.value.line == 3


def test_an_undefined_variable_and_a_syntax_error_are_content_errors(scenario_tree):
    loaded = load_scenario(scenario_tree / "scenarios" / "minimal.yaml")
    path = loaded.content_dir / "alert.md"
    path.write_text("{{ secrets }}\n")
    with pytest.raises(ContentError, match=r":1: 'secrets' is undefined"):
        render_step(loaded, "alert", {})
    path.write_text("ok\n{% for %}\n")
    with pytest.raises(ContentError, match=r":2: "):
        render_step(loaded, "alert", {})
    path.unlink()
    with pytest.raises(ContentError, match="does not exist"):
        render_step(loaded, "alert", {})
    with pytest.raises(UserError, match="no step 'nope'"):
        render_step(loaded, "nope", {})


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__ }}",
    "{{ 'x' * 10000000 }}",
    "{{ 10 ** 100000 }}",
    "{{ range(10000000) | list }}",
])
def test_the_sandbox_refuses_escapes_and_huge_values(scenario_tree, template):
    loaded = load_scenario(scenario_tree / "scenarios" / "minimal.yaml")
    (loaded.content_dir / "alert.md").write_text(template)
    with pytest.raises(ContentError):
        render_step(loaded, "alert", {})


def test_params_render_every_string_and_keep_structure():
    params = {"Ids": ["{{ facts.instance_id }}", 3, None], "Name": "plain",
              "Doc": {"When": "{{ now }}", "Where": "{{ region }}",
                      "Prev": "{{ results.stopped.State }}"}}
    variables = solution_variables({"instance_id": "i-1"}, "eu-west-1",
                                   results={"stopped": {"State": "stopped"}},
                                   now="2024-01-01T00:00:00Z")
    assert render_params(params, variables) == {
        "Ids": ["i-1", 3, None], "Name": "plain",
        "Doc": {"When": "2024-01-01T00:00:00Z", "Where": "eu-west-1", "Prev": "stopped"}}
    assert params["Ids"][0] == "{{ facts.instance_id }}"  # the input is not changed


def test_a_param_that_is_one_expression_keeps_its_value():
    # As in world documents: a list fact passes whole where the API takes a list, and a
    # row's number and boolean stay so (DeleteNetworkAclEntry: RuleNumber int, Egress bool).
    variables = {"facts": {"group_ids": ["sg-1", "sg-2"], "ip": "203.0.113.9"},
                 "region": "r", "row": {"RuleNumber": 90, "Egress": False, "Tags": {"a": 1}}}
    assert render_params({
        "GroupIds": "{{ facts.group_ids }}", "RuleNumber": "{{ row.RuleNumber }}",
        "Egress": "{{ row.Egress }}", "Tags": "{{ row.Tags }}",
        "Cidr": "{{ facts.ip }}/32", "Padded": " {{ facts.ip }} ",
        "Text": "{{ facts.group_ids | join(',') }}", "Two": "{{ row.RuleNumber }}{{ 1 }}",
        "Listed": ["{{ facts.group_ids }}"]}, variables) == {
        "GroupIds": ["sg-1", "sg-2"], "RuleNumber": 90, "Egress": False, "Tags": {"a": 1},
        "Cidr": "203.0.113.9/32", "Padded": " 203.0.113.9 ", "Text": "sg-1,sg-2",
        "Two": "901", "Listed": [["sg-1", "sg-2"]]}


@pytest.mark.parametrize(("template", "message"), [
    ("{{ facts.missing }}", "the scenario declares no fact 'missing'"),
    ("{{ [facts.missing] }}", "the scenario declares no fact 'missing'"),  # inside a list too
    ("{{ range(10 ** 6) | list }}", "more than the budget"),
    ("{{ ['x' * 90000, 'y' * 90000, 'z' * 90000] }}", "longer than 200000 characters"),
    ("{{ lipsum(99999) }}", "longer than 1 s"),
    ("{{ ''.__class__ }}", "unsafe|has no attribute|access to attribute"),
])
def test_an_expression_param_keeps_the_template_budgets(template, message):
    with pytest.raises(ContentError, match=message):
        render_params({"P": template}, {"facts": {"group_ids": ["sg-1"]}, "region": "r"})


def test_params_refuse_undiscovered_and_unknown_names():
    variables = solution_variables({"instance_id": None}, "eu-west-1")
    with pytest.raises(ContentError, match=r"^params.Ids\[0\]: fact 'instance_id' has not been "
                                           r"discovered yet$"):
        render_params({"Ids": ["{{ facts.instance_id }}"]}, variables)
    with pytest.raises(ContentError, match="the scenario declares no fact 'other'"):
        render_params("{{ facts.other }}", variables, where="x")
    with pytest.raises(ContentError, match="no earlier operation of this solution saved its "
                                           "response as 'command'"):
        render_params("{{ results.command.CommandId }}", variables)
    with pytest.raises(ContentError, match="template syntax|Expected"):
        render_params("{% if %}", variables)


def test_now_is_iso_utc_seconds():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc_now())
