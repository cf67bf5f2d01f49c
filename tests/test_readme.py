"""The README's promises: its example scenario validates, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labguide.cli import build_parser, main

README = Path(__file__).resolve().parents[1] / "README.md"


def _fenced(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), flags=re.S)


def test_example_scenario_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (example,) = [block for block in _fenced("yaml") if block.startswith("id: my-exercise")]
    scenarios = tmp_path / "scenarios"
    content = tmp_path / "content" / "my-exercise"
    scenarios.mkdir()
    content.mkdir(parents=True)
    (content / "filter-key.md").write_text("Filter the findings in {{ region }}.\n")
    path = scenarios / "my-exercise.yaml"
    path.write_text(example)
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


def test_every_documented_command_parses() -> None:
    parser = build_parser()
    for argv in (
        ["run", "compromised-iam-credentials"],
        ["run", "compromised-iam-credentials", "--reset", "--yes"],
        ["rewind", "compromised-iam-credentials", "--step", "filter-key", "--yes"],
        ["list"],
        ["validate", "scenarios/x.yaml"],
        ["schema"],
        ["check", "compromised-iam-credentials", "--step", "filter-key", "--json", "--sim"],
        ["solve", "compromised-iam-credentials", "--step", "filter-key", "--aws", "--yes"],
        ["sim", "serve", "compromised-iam-credentials", "--accounts", "2", "--env-file", "x"],
        ["class", "watch", "http://127.0.0.1:8000", "--token-file", "t"],
        ["class", "check", "http://127.0.0.1:8000", "--seat", "3"],
        ["class", "hint", "http://127.0.0.1:8000", "--seat", "3"],
        ["class", "help-answered", "http://127.0.0.1:8000", "--seat", "3"],
        ["class", "attackers", "http://127.0.0.1:8000", "pause"],
        ["test", "compromised-iam-credentials", "--step", "filter-key", "--json"],
        ["new", "my-lab", "--dir", "labs"],
        ["run", "my-lab.yaml", "--watch"],
    ):
        assert parser.parse_args(argv).command == argv[0]


def test_two_setup_commands() -> None:
    text = README.read_text()
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = _fenced_in(setup)
    assert len(commands) == 2
    assert commands[0].rstrip().endswith("labguide")
    assert "pytest" in commands[1]


def _fenced_in(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text()
    test_command = _fenced_in(README.read_text().split("## Set up", 1)[1])[1]
    pytest_part = test_command.split("&&")[-1].strip()
    assert pytest_part in ci
    assert "pip install --quiet -e '.[test]'" in ci
