"""The malformed corpus: every file is rejected with exactly the located lines in the table.

Each entry lists, in the order the CLI must print them, one (where, fragment)
per problem: `where` is "LINE:COL" in the scenario file itself, or
"content/...:LINE:COL" for a problem inside a step's content file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from labguide.cli import main

MALFORMED = Path(__file__).parent / "malformed"

EXPECTED: dict[str, list[tuple[str, str]]] = {
    "alias-bomb.yaml": [("12:8", "expands to more than 50000 values through aliases")],
    "answer-check-unknown-question.yaml": [
        ("26:19", "answer check names question 'which-role', which this step lacks")],
    "bad-regex.yaml": [("21:20", "invalid regular expression")],
    "bad-id-missing-content.yaml": [  # issue 11.8: the bad id hid the missing file
        ("1:5", "'Malformed_Id' must be lowercase letters, digits and dashes"),
        ("14:14", "content file content/Malformed_Id/nowhere.md does not exist")],
    "bad-slug-and-region.yaml": [
        ("4:9", "'Sydney' is not an AWS region name"),
        ("12:9", "'First Step' must be lowercase letters, digits and dashes")],
    "binary.yaml": [("2:8", "not UTF-8 text (byte 0xff)")],
    "choice-not-offered.yaml": [("22:21", "'stop and start' is not one of the choices")],
    "content-absolute.yaml": [("14:14", "'/etc/passwd' must be relative to the content folder")],
    "content-callouts.yaml": [
        ("content/bad-callouts/step.md:3:1", "unknown callout kind 'danger'"),
        ("content/bad-callouts/step.md:5:1", "':::' closes no callout"),
        ("content/bad-callouts/step.md:7:1", "callout is never closed")],
    "content-runnable.yaml": [
        ("content/bad-runnable/step.md:3:1", "unknown run target 'bash'"),
        ("content/bad-runnable/step.md:7:1", "a run=shell block needs the step to show the "
                                             "shell pane"),
        ("content/bad-runnable/step.md:13:1", "Unknown options: --bogus"),
        ("content/bad-runnable/step.md:17:1", "'$' is shell syntax"),
        ("content/bad-runnable/step.md:21:1", "`aws s3 ...` commands are the CLI's own")],
    "content-dotdot.yaml": [("14:14", "leaves the content folder content/malformed ('..')")],
    "content-symlink.yaml": [("14:14", "leaves the content folder content/symlink-escape "
                                       "(through a symlink)")],
    "content-template-syntax.yaml": [
        ("content/template-syntax/step.md:4:1", "template syntax error: Unexpected end")],
    "content-undeclared-fact.yaml": [
        ("content/undeclared-in-content/step.md:4:1", "fact 'role_name', which the scenario does "
                                                      "not declare"),
        ("content/undeclared-in-content/step.md:5:1", "undefined name 'regoin'")],
    "control-character.yaml": [("2:13", "unacceptable character U+0007")],
    "deep-nesting.yaml": [("8:73", "nesting is too deep")],
    "duplicate-check-id.yaml": [("27:13", "duplicate check id 'key-named' in this step "
                                          "(first at line 23)")],
    "duplicate-key.yaml": [("28:1", "duplicate key 'title' (first at line 2)")],
    "duplicate-question-id.yaml": [("22:13", "duplicate question id 'which-key' in this step "
                                             "(first at line 17)")],
    "duplicate-step-id.yaml": [("27:9", "duplicate step id 'first' (first at line 12)")],
    "empty.yaml": [("1:1", "the file is empty")],
    "finish-template.yaml": [("29:3", "undefined name 'role'")],
    "huge-int.yaml": [("8:21", "number too large")],
    "many-problems.yaml": [
        ("5:1", "unknown key 'owner'; allowed: facts, finish, id"),
        ("15:14", "content path '../../x.md' leaves the content folder"),
        ("25:15", "unknown check kind 'quiz'"),
        ("29:1", "duplicate key 'finish' (first at line 28)")],
    "missing-content.yaml": [("14:14", "content file content/malformed/nowhere.md does not exist")],
    "missing-keys.yaml": [
        ("12:5", "steps[0]: missing required key 'content'"),
        ("12:5", "steps[0]: missing required key 'title'")],
    "python-tag.yaml": [("3:10", "unsupported YAML tag")],
    "recursive-alias.yaml": [("8:11", "recursive alias")],
    "results-not-saved.yaml": [
        ("31:25", "template uses results.started, which no earlier operation of this step saves "
                  "(save_as so far: none)"),
        ("37:19", "(save_as so far: stopped)")],
    "solution-template.yaml": [
        ("31:25", "template uses fact 'instance_id', which the scenario does not declare"),
        ("32:19", "template syntax error")],
    "tab-indent.yaml": [("6:1", "YAML syntax error: found character '\\t'")],
    "top-level-list.yaml": [("1:1", "expected a scenario mapping at the top level")],
    "top-level-scalar.yaml": [("1:1", "expected a scenario mapping at the top level")],
    "undeclared-fact-by-default.yaml": [
        ("31:9", "check 'revoked' ('role' by default) uses fact 'role_name'"),
        ("31:9", "check 'revoked' ('since' by default) uses fact 'first_seen'")],
    "undeclared-fact-in-answer.yaml": [("21:33", "the expected answer uses fact 'role_name'")],
    "undeclared-fact-in-check.yaml": [("34:19", "check field 'detector' uses fact 'detector_id'")],
    "unknown-check-kind.yaml": [("24:15", "unknown check kind 'answr'; known: answer, ")],
    "unknown-fact-kind.yaml": [("9:11", "unknown fact kind 'finding-secret'")],
    "unknown-key.yaml": [
        ("1:1", "missing required key 'title'"),
        ("2:1", "unknown key 'titel' (did you mean 'title'?)")],
    "unknown-pane.yaml": [("15:21", "steps[0].panes[1]: unknown pane 'console'")],
    "unknown-world.yaml": [("6:9", "world.name: unknown world 'ransomware'")],
    "wrong-types.yaml": [
        ("2:8", "title: expected text, got a number"),
        ("15:12", "steps[0].panes: expected a list, got text")],
    "yaml-syntax.yaml": [("2:17", "YAML syntax error: mapping values are not allowed here")],
}


def _expected_lines(name: str) -> list[tuple[str, str]]:
    return [(where if where.startswith("content/") else f"{name}:{where}", fragment)
            for where, fragment in EXPECTED[name]]


def _assert_located(name: str, out: str, err: str) -> None:
    assert "Traceback" not in out + err
    assert out == ""
    lines = err.splitlines()
    expected = _expected_lines(name)
    assert len(lines) == len(expected), err
    for line, (where, fragment) in zip(lines, expected, strict=True):
        assert line.startswith(f"{where}: "), (line, where)
        assert fragment in line, (line, fragment)


def test_the_corpus_is_big_and_fully_tabled():
    files = sorted(p.name for p in MALFORMED.glob("*.yaml"))
    assert len(files) >= 25
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_malformed_file_is_rejected_with_located_lines(name, capsys, monkeypatch):
    monkeypatch.chdir(MALFORMED)
    assert main(["validate", name]) == 2
    captured = capsys.readouterr()
    _assert_located(name, captured.out, captured.err)


def test_a_directory_validates_every_file_in_it(capsys, monkeypatch):
    monkeypatch.chdir(MALFORMED.parent)
    assert main(["validate", "malformed", "fixtures/scenarios/minimal.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "fixtures/scenarios/minimal.yaml: ok\n"
    total = sum(len(problems) for problems in EXPECTED.values())
    assert len(captured.err.splitlines()) == total
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("name", ["many-problems.yaml", "binary.yaml", "alias-bomb.yaml",
                                  "content-callouts.yaml"])
def test_the_real_command_reports_the_same(name):
    result = subprocess.run(
        [sys.executable, "-m", "labguide", "validate", name],
        cwd=MALFORMED, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    _assert_located(name, result.stdout, result.stderr)
