"""Fuzz the loader with mutated versions of the minimal scenario.

Whatever the mutation (lines deleted, duplicated, swapped or re-indented, keys
renamed, values replaced by other types, YAML oddities inserted), loading
either succeeds or raises a ScenarioError whose lines are all located
`PATH:LINE:COL: message` with LINE inside the file; never another exception.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labguide.errors import ScenarioError
from labguide.scenario import load_scenario_file

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE_LINES = (FIXTURES / "scenarios" / "minimal.yaml").read_text().splitlines()
LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): \S")

VALUES = [
    "", "null", "~", "0", "-1", "1e999", "9" * 5000, "true", "[]", "{}", "[a, [b]]",
    "{kind: answer}", "&anchor x", "*anchor", "*undefined", "!!python/object:os.system x",
    "!!binary aGk=", "2024-01-01", "'quoted: colon'", '"{{ facts.nope }}"', '"{% if %}"',
    "|\n  block", ">-", "- item", "a: b: c", "\t", "\x00", "‹unicode›", "../../etc/passwd",
    "/abs.md", "answer", "guardduty-filter-on-key", "[alerts, nope]", "{<<: *anchor}",
]
KEYS = ["id", "title", "kind", "facts", "steps", "content", "question", "expect", "fact",
        "choices", "checks", "solve", "params", "<<", "? [x]", "unknown", "1", "null", "'a'"]


def _mutate(lines: list[str], op: str, index: int, choice: int, text: str) -> list[str]:
    if not lines:
        return [text]
    index %= len(lines)
    line = lines[index]
    if op == "delete":
        return lines[:index] + lines[index + 1:]
    if op == "duplicate":
        return lines[:index + 1] + [line] + lines[index + 1:]
    if op == "swap":
        other = choice % len(lines)
        lines = list(lines)
        lines[index], lines[other] = lines[other], lines[index]
        return lines
    if op == "indent":
        stripped = line.lstrip(" ")
        lines = list(lines)
        lines[index] = " " * (choice % 9) + stripped
        return lines
    if op == "value" and ":" in line:
        key = line.split(":", 1)[0]
        return lines[:index] + [f"{key}: {VALUES[choice % len(VALUES)]}"] + lines[index + 1:]
    if op == "key" and ":" in line:
        indent = line[: len(line) - len(line.lstrip(" -"))]
        rest = line.split(":", 1)[1]
        return lines[:index] + [f"{indent}{KEYS[choice % len(KEYS)]}:{rest}"] + lines[index + 1:]
    return lines[:index] + [text] + lines[index:]


mutation = st.tuples(
    st.sampled_from(["delete", "duplicate", "swap", "indent", "value", "key", "insert"]),
    st.integers(0, 10_000), st.integers(0, 10_000), st.text(max_size=20),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_scenarios_fail_only_with_located_lines(mutations):
    lines = list(SOURCE_LINES)
    for op, index, choice, text in mutations:
        lines = _mutate(lines, op, index, choice, text)
    source = "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(FIXTURES, tree)
        path = tree / "scenarios" / "minimal.yaml"
        path.write_text(source, encoding="utf-8", errors="surrogatepass")
        try:
            load_scenario_file(path)
        except ScenarioError as exc:
            assert exc.lines
            for line in exc.lines:
                match = LOCATED.match(line)
                assert match, line
                assert "Traceback" not in line
                assert int(match["line"]) >= 1 and int(match["col"]) >= 1
                if match["path"] == str(path):
                    assert int(match["line"]) <= len(source.splitlines()) + 1, line
