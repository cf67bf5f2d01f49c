"""Scenario evaluation budgets: hostile files end `labguide validate` quickly with a located
message (exit 2); the same constructs within the budgets still validate and render.

Each hostile case runs `labguide validate` as a real process with a generous timeout (so a
hang fails the test instead of hanging it); no test asserts a duration.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from labguide.scenario import load_scenario, render_step
from labguide.scenario.render import ContentError, render_params
from labguide.scenario.templates import BudgetExceeded, compile_template, render_bounded

LOCATED = re.compile(r"^\S+:\d+:\d+: ", re.M)


def validate(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "labguide", "validate", str(path)], env=env,
                          capture_output=True, text=True, timeout=60)


def _scenario(tree: Path) -> Path:
    return tree / "scenarios" / "minimal.yaml"


def _append_content(tree: Path, text: str) -> None:
    alert = tree / "content" / "minimal" / "alert.md"
    alert.write_text(alert.read_text() + "\n" + text + "\n")


HOSTILE_CONTENT = {
    "nested ranges": "{% for i in range(100000) %}{% for j in range(100000) %}x"
                     "{% endfor %}{% endfor %}",
    "silent nested loops": "{% for i in 'x' * 99999 %}{% for j in 'x' * 99999 %}"
                           "{% endfor %}{% endfor %}",
    "center": "{{ 'x'|center(300000000) }}",
    "lipsum": "{{ lipsum(3000000) }}",
    "format width": "{{ '%300000000s'|format('x') }}",
    "str.format width": "{{ '{:300000000}'.format('x') }}",
    "percent width": "{{ '%300000000s' % 'x' }}",
}


@pytest.mark.parametrize("case", list(HOSTILE_CONTENT))
def test_hostile_content_is_a_located_error(scenario_tree, case):
    _append_content(scenario_tree, HOSTILE_CONTENT[case])
    done = validate(_scenario(scenario_tree))
    assert done.returncode == 2, done.stderr
    assert "over budget" in done.stderr and "alert.md:" in done.stderr
    assert LOCATED.search(done.stderr) and "Traceback" not in done.stderr


def test_the_same_constructs_within_budget_validate_and_render(scenario_tree):
    _append_content(scenario_tree, "{% for i in range(3) %}{{ i }}{% endfor %}|"
                    "{{ 'x'|center(9) }}|{{ lipsum(1, html=False)|length > 0 }}|"
                    "{{ '%5s'|format('y') }}|{{ '{:>3}'.format(1) }}|{{ 7 % 3 }}")
    done = validate(_scenario(scenario_tree))
    assert done.returncode == 0, done.stderr
    text = render_step(load_scenario(_scenario(scenario_tree)), "alert", {})
    assert "012|    x    |True|    y|  1|1" in text


def test_render_step_stops_at_the_budget_with_the_files_line(scenario_tree):
    """What validation catches is also caught when rendering (the file may change after)."""
    loaded = load_scenario(_scenario(scenario_tree))
    _append_content(scenario_tree, "{% for i in range(100000) %}{% for j in range(100000) %}"
                    "{% endfor %}{% endfor %}")
    with pytest.raises(ContentError, match=r"alert\.md:\d+: .*longer than 1 s"):
        render_step(loaded, "alert", {})


def test_output_is_capped():
    template = compile_template("{% for i in range(99999) %}xxxxxxxxxx{% endfor %}", "cap.md")
    with pytest.raises(BudgetExceeded, match="output is longer"):
        render_bounded(template, {}, "cap.md")
    small = compile_template("{% for i in range(999) %}xxxxxxxxxx{% endfor %}", "ok.md")
    assert len(render_bounded(small, {}, "ok.md")) == 9990


def test_an_alias_bomb_of_templated_text_is_a_located_error(scenario_tree):
    path = _scenario(scenario_tree)
    long = "{{ facts.access_key_id }}" * 200
    text = path.read_text().replace(
        "          PolicyName: revoke\n",
        f'          PolicyName: &long "{long}"\n          Extra: [{", ".join(["*long"] * 5000)}]\n')
    path.write_text(text)
    done = validate(path)
    assert done.returncode == 2, done.stderr
    assert "characters of text through aliases" in done.stderr and LOCATED.search(done.stderr)


def test_many_aliases_within_the_budget_validate(scenario_tree):
    """Negative control: aliases are fine while their expansion stays small; one text used
    many times is judged once."""
    path = _scenario(scenario_tree)
    text = path.read_text().replace(
        "          PolicyName: revoke\n",
        '          PolicyName: &short "{{ facts.role_name }}"\n'
        f'          Extra: [{", ".join(["*short"] * 900)}]\n')
    path.write_text(text)
    done = validate(path)
    assert done.returncode == 0, done.stderr
    rendered = render_params({"a": ["{{ facts.role_name }}"] * 900}, {"facts": {"role_name": "r"}})
    assert rendered["a"] == ["r"] * 900


@pytest.mark.parametrize("which", ["scenario", "content"])
def test_a_fifo_is_refused_without_blocking(scenario_tree, which):
    target = _scenario(scenario_tree) if which == "scenario" else (
        scenario_tree / "content" / "minimal" / "alert.md")
    target.unlink()
    os.mkfifo(target)
    done = validate(_scenario(scenario_tree))
    assert done.returncode == 2
    assert "not a regular file" in done.stderr


def test_a_content_folder_that_is_a_symlink_out_is_refused(scenario_tree):
    content = scenario_tree / "content" / "minimal"
    os.rename(content, scenario_tree / "moved")
    content.symlink_to("/etc")
    path = _scenario(scenario_tree)
    path.write_text(path.read_text().replace("content: alert.md", "content: passwd"))
    done = validate(path)
    assert done.returncode == 2
    assert "leads out of the scenario's folder" in done.stderr and "root:" not in done.stdout


def test_a_content_folder_symlinked_inside_the_scenarios_folder_is_fine(scenario_tree):
    """Negative control: a symlink that stays inside the scenario's folder is allowed."""
    content = scenario_tree / "content" / "minimal"
    os.rename(content, scenario_tree / "content" / "real-minimal")
    content.symlink_to(scenario_tree / "content" / "real-minimal")
    assert validate(_scenario(scenario_tree)).returncode == 0


# ----- answer patterns ------------------------------------------------------------------------


def test_a_backtracking_pattern_judges_a_long_answer_at_once(scenario_tree):
    """(a|a)+ took 80 s on 31 characters with Python's re; RE2 matches in linear time."""
    from labguide.scenario.patterns import full_match

    assert not full_match("(a|a)+", "a" * 30 + "b")
    assert full_match("(a|a)+", "A" * 31)  # case-insensitive, as answers are
    assert not full_match("a+", "a" * 20_000)  # over the answer length: never a match


def test_a_pattern_re2_cannot_run_is_a_located_error(scenario_tree):
    path = _scenario(scenario_tree)
    path.write_text(path.read_text().replace('pattern: "after.*"', r'pattern: "(a)\\1"'))
    done = validate(path)
    assert done.returncode == 2
    assert "RE2 syntax" in done.stderr and LOCATED.search(done.stderr)
    assert "re2.cc" not in done.stderr  # RE2's own log stays off the terminal
