"""`labguide schema`, `labguide list` and `labguide validate` on good input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from labguide.cli import main
from labguide.scenario import bundled_scenario_paths
from labguide.scenario.schema import DIALECT, scenario_json_schema

MINIMAL = Path(__file__).parent / "fixtures" / "scenarios" / "minimal.yaml"


def _documents() -> list[Path]:
    return [MINIMAL, *bundled_scenario_paths()]


def test_schema_is_printed_as_json(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == scenario_json_schema()
    assert printed["$schema"] == DIALECT
    assert printed["additionalProperties"] is False
    assert set(printed["required"]) == {"id", "title", "summary", "region", "world", "steps",
                                        "finish"}


def _structure_check(schema: dict, data: dict) -> None:
    """Without jsonschema: every key the documents use is a property the schema knows."""
    assert set(data) <= set(schema["properties"])
    step = schema["$defs"]["Step"]
    for item in data["steps"]:
        assert set(item) <= set(step["properties"])


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.stem)
def test_the_schema_accepts_the_valid_scenarios(path):
    schema = scenario_json_schema()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is in the test environment
        _structure_check(schema, data)
        return
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert [e.message for e in validator.iter_errors(data)] == []
    broken = dict(data, extra=1)
    broken["steps"] = [dict(data["steps"][0], panes=["Console"])]
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("'extra' was unexpected" in m for m in messages)
    assert any("'Console' does not match" in m for m in messages)
    # A step may name declared panes too, so editors are offered the built-in ones and
    # `labguide validate` rejects the unknown (tests/scenario/malformed/unknown-pane.yaml).
    panes = schema["$defs"]["Step"]["properties"]["panes"]["items"]
    assert {"alerts", "findings", "shell"} <= set(panes["examples"])


def test_validate_ok_prints_path_ok(capsys):
    assert main(["validate", str(MINIMAL), "compromised-iam-credentials"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{MINIMAL}: ok", "compromised-iam-credentials: ok"]


def test_validate_bad_paths_one_line_each(capsys, tmp_path):
    (tmp_path / "empty-dir").mkdir()
    assert main(["validate", "nope.yaml", str(tmp_path / "empty-dir"), str(MINIMAL)]) == 2
    captured = capsys.readouterr()
    assert captured.out == f"{MINIMAL}: ok\n"
    assert captured.err.splitlines() == [
        "nope.yaml: no such file",
        f"{tmp_path / 'empty-dir'}: a directory with no scenario files (*.yaml)",
    ]


def test_list_prints_id_title_steps(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "STEPS"]
    row = next(line for line in lines if line.startswith("compromised-iam-credentials "))
    assert row.split()[-1] == "7"
    assert "Compromised IAM credentials" in row


def test_list_reports_a_broken_bundled_scenario(capsys, monkeypatch, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [\n")
    monkeypatch.setattr("labguide.cli.scenario_cmd.bundled_scenario_paths",
                        lambda: [*bundled_scenario_paths(), bad])
    assert main(["list"]) == 2
    captured = capsys.readouterr()
    assert "compromised-iam-credentials" in captured.out
    assert captured.err.startswith(f"{bad}:2:1: YAML syntax error")


def test_python_m_labguide_schema_and_list():
    for argv in (["schema"], ["list"]):
        result = subprocess.run([sys.executable, "-m", "labguide", *argv],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
