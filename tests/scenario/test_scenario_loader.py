"""load_scenario: refs, the loaded result, the content folder rule, unreadable inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labguide.errors import ScenarioError, UserError
from labguide.scenario import LoadedScenario, bundled_scenarios, load_scenario, load_scenario_file
from labguide.scenario.content import content_dir_for

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "scenarios" / "minimal.yaml"


def test_a_path_loads_into_a_frozen_located_scenario():
    loaded = load_scenario(str(MINIMAL))
    assert isinstance(loaded, LoadedScenario)
    assert loaded.path == MINIMAL.absolute() and loaded.path.is_absolute()
    assert loaded.content_dir == MINIMAL.parent.parent / "content" / "minimal"
    assert loaded.scenario.step_ids == ["alert", "contain"]
    assert loaded.content_path("contain") == loaded.content_dir / "steps" / "contain.md"
    assert loaded.content_path("contain").is_file()
    with pytest.raises(AttributeError):
        loaded.path = Path("/")  # type: ignore[misc]
    with pytest.raises(KeyError):
        loaded.content_path("nope")
    assert {loaded: 1}[load_scenario(MINIMAL)] == 1  # usable as a key (caches in the app)


def test_a_pathlike_loads_too():
    assert load_scenario(MINIMAL).scenario.id == "minimal"


def test_the_model_keeps_what_the_file_says():
    scenario = load_scenario(MINIMAL).scenario
    alert = scenario.step("alert")
    assert [q.expect.__class__.__name__ for q in alert.questions] == [
        "FactAnswer", "FactAnswer", "ChoiceAnswer", "PatternAnswer"]
    assert alert.questions[1].expect.fact_names == ["role_name"]
    contain = scenario.step("contain")
    assert [c.kind for c in contain.checks] == [
        "guardduty-filter-on-key", "role-sessions-revoked", "instance-restarted",
        "instance-key-rotated"]
    assert contain.solve[0].waiter.name == "instance_stopped"
    assert contain.solve[0].save_as == "stopped"


def test_content_folder_rule(tmp_path):
    assert content_dir_for(Path("scenarios/x.yaml"), "a") == Path("content/a")
    assert content_dir_for(tmp_path / "x.yaml", "a") == tmp_path / "content" / "a"


def test_a_relative_path_from_inside_the_scenarios_folder(monkeypatch):
    monkeypatch.chdir(MINIMAL.parent)
    loaded = load_scenario("minimal.yaml")
    assert loaded.content_dir.resolve() == (MINIMAL.parent.parent / "content" / "minimal").resolve()


def test_errors_name_the_file_as_given_and_every_problem(scenario_tree, monkeypatch):
    path = scenario_tree / "scenarios" / "minimal.yaml"
    text = path.read_text()
    text = text.replace("title: Minimal scenario", "title: [1]").replace(
        "content: alert.md", "content: missing.md")
    path.write_text(text)
    monkeypatch.chdir(scenario_tree)
    with pytest.raises(ScenarioError) as caught:
        load_scenario("scenarios/minimal.yaml")
    lines = caught.value.lines
    assert lines == [
        "scenarios/minimal.yaml:3:8: title: expected text, got a list",
        "scenarios/minimal.yaml:31:14: content file content/minimal/missing.md does not exist",
    ]
    assert str(caught.value) == "\n".join(lines)


def test_an_unknown_id_or_missing_file_is_one_clear_line():
    with pytest.raises(UserError) as caught:
        load_scenario("no-such-scenario")
    assert "no-such-scenario: no such file, nor a bundled scenario" in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(UserError, match=r"^missing\.yaml: no such file$"):
        load_scenario("missing.yaml")


def test_a_directory_is_not_a_scenario(tmp_path):
    with pytest.raises(UserError, match="is a directory"):
        load_scenario(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_one_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("id: x\n")
    path.chmod(0)
    with pytest.raises(UserError, match="cannot read"):
        load_scenario(path)


def test_a_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2_000_000)
    with pytest.raises(UserError, match="larger than"):
        load_scenario_file(path)


def test_merge_keys_and_anchors_work(scenario_tree):
    path = scenario_tree / "scenarios" / "minimal.yaml"
    text = path.read_text().replace(
        "      - {id: key-rotated, kind: instance-key-rotated, title: Rotated.}",
        "      - &rot {id: key-rotated, kind: instance-key-rotated, title: Rotated.}\n"
        "      - {<<: *rot, id: key-rotated-again}")
    path.write_text(text)
    checks = load_scenario(path).scenario.step("contain").checks
    assert [c.id for c in checks][-2:] == ["key-rotated", "key-rotated-again"]
    assert checks[-1].kind == "instance-key-rotated"


def test_content_symlinks_inside_the_folder_are_fine(scenario_tree):
    content = scenario_tree / "content" / "minimal"
    (content / "alias.md").symlink_to("alert.md")
    path = scenario_tree / "scenarios" / "minimal.yaml"
    path.write_text(path.read_text().replace("content: alert.md", "content: alias.md"))
    assert load_scenario(path).content_path("alert").name == "alias.md"


def test_the_bundled_scenarios_load():
    loaded = bundled_scenarios()
    ids = [item.scenario.id for item in loaded]
    assert "compromised-iam-credentials" in ids
    for item in loaded:
        assert item.content_dir.is_dir()
        assert load_scenario(item.scenario.id).path == item.path
