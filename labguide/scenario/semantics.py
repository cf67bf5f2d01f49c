"""Checks that need the whole scenario: cross-references, content files and templates.

They run on the raw data (not the model), so they still report when other
parts of the file are malformed: `labguide validate` shows every problem at
once. Whatever has the wrong shape is skipped here; the model reports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yaml.nodes import Node, ScalarNode

from labguide.scenario.aws_cli import runnable_problems
from labguide.scenario.callouts import callout_problems
from labguide.scenario.content import ContentPathError, confined_path, content_dir_for, read_text
from labguide.scenario.kinds import BUILTIN_PANES
from labguide.scenario.model import CHECK_CLASSES, SLUG
from labguide.scenario.problems import Problem
from labguide.scenario.templates import (
    CONTENT_VARIABLES,
    READ_VARIABLES,
    ROW_ACTION_VARIABLES,
    SOLUTION_VARIABLES,
    budget_problems,
    template_problems,
    trial_variables,
)
from labguide.scenario.yamltree import locate
from labguide.textsafe import control_characters


class _Checker:
    def __init__(self, root: Node, data: dict, display: str, path: Path, source: str):
        self.root, self.data, self.display, self.path = root, data, display, path
        self.source_lines = source.splitlines()
        self.problems: list[Problem] = []
        facts = data.get("facts", {})
        self.facts: set[str] | None = (
            {k for k in facts if isinstance(k, str)} if isinstance(facts, dict) else None
        )
        self.trial = trial_variables(data)
        self.judged: dict[tuple, list[tuple[int, str]]] = {}
        self.fact_kinds: dict[str, str] = {
            name: spec["kind"] for name, spec in (facts if isinstance(facts, dict) else {}).items()
            if isinstance(spec, dict) and isinstance(spec.get("kind"), str)
        }

    # --- helpers ---------------------------------------------------------------------------

    def node(self, *loc: Any, at_key: bool = False) -> Node:
        return locate(self.root, loc, at_key=at_key)[0]

    def add(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.display, node.start_mark.line + 1,
                                     node.start_mark.column + 1, message))

    def line_of(self, node: Node) -> int:
        return node.start_mark.line + 1

    def template_position(self, node: Node, template_line: int) -> tuple[int, int]:
        """Where line N of a YAML string's text is in the file (exact for block scalars)."""
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            line = node.start_mark.line + 1 + template_line
        else:
            line = node.start_mark.line + template_line
        if template_line == 1 and node.style not in ("|", ">"):
            return line, node.start_mark.column + 1
        text = self.source_lines[line - 1] if 0 < line <= len(self.source_lines) else ""
        return line, len(text) - len(text.lstrip(" ")) + 1

    def check_template(self, loc: tuple[Any, ...], text: str, variables: tuple[str, ...],
                       results: set[str] | None = None) -> None:
        node = self.node(*loc)
        # The same text (an alias used many times) is judged once.
        key = (text, variables, frozenset(results) if results is not None else None)
        problems = self.judged.get(key)
        if problems is None:
            problems = template_problems(text, variables, self.facts, results)
            if not problems and "{" in text:
                problems = budget_problems(text, "<scenario template>", self.trial)
            self.judged[key] = problems
        for template_line, message in problems:
            line, col = self.template_position(node, template_line)
            self.problems.append(Problem(self.display, line, col, message))

    def fact_used(self, loc: tuple[Any, ...], name: Any, what: str) -> None:
        if self.facts is not None and isinstance(name, str) and name not in self.facts:
            self.add(self.node(*loc), f"{what} uses fact {name!r}, which the scenario does not "
                                      "declare under 'facts'")

    # --- the checks ------------------------------------------------------------------------

    def run(self) -> list[Problem]:
        seen_steps: dict[str, int] = {}
        for index, step in _dicts(self.data.get("steps")):
            step_id = step.get("id")
            if isinstance(step_id, str):
                if step_id in seen_steps:
                    self.add(self.node("steps", index, "id"),
                             f"duplicate step id {step_id!r} (first at line {seen_steps[step_id]})")
                else:
                    seen_steps[step_id] = self.line_of(self.node("steps", index, "id"))
            self.step(index, step)
        self.world(self.data.get("world"))
        self.declared_reads()
        finish = self.data.get("finish")
        if isinstance(finish, str):
            self.check_template(("finish",), finish, CONTENT_VARIABLES)
        return self.problems

    def templates_in(self, loc: tuple, value: Any, variables: tuple[str, ...]) -> None:
        for sub_loc, text in _strings(value, loc):
            self.check_template(sub_loc, text, variables)

    def declared_reads(self) -> None:
        """Templates of `aws` facts and of declared panes use only declared facts."""
        facts = self.data.get("facts")
        for name, spec in (facts.items() if isinstance(facts, dict) else ()):
            if isinstance(spec, dict) and spec.get("kind") == "aws" and \
                    isinstance(spec.get("call"), dict):
                self.templates_in(("facts", name, "call", "params"),
                                  spec["call"].get("params"), READ_VARIABLES)
        panes = self.data.get("panes")
        for name, spec in (panes.items() if isinstance(panes, dict) else ()):
            if not isinstance(spec, dict):
                continue
            if isinstance(spec.get("call"), dict):
                self.templates_in(("panes", name, "call", "params"),
                                  spec["call"].get("params"), READ_VARIABLES)
            for a_index, action in _dicts(spec.get("actions")):
                loc = ("panes", name, "actions", a_index)
                if isinstance(action.get("call"), dict):
                    self.templates_in((*loc, "call", "params"), action["call"].get("params"),
                                      ROW_ACTION_VARIABLES)
                if isinstance(action.get("confirm"), str):
                    self.check_template((*loc, "confirm"), action["confirm"],
                                        ROW_ACTION_VARIABLES)

    def world(self, world: Any) -> None:
        """A bundled world's params must be ones it declares."""
        if not isinstance(world, dict) or set(world) - {"name", "params"}:
            return
        name, params = world.get("name"), world.get("params")
        if not isinstance(name, str) or not isinstance(params, dict):
            return
        from labguide.errors import UserError
        from labguide.scenario.worlds import bundled_world

        try:
            declared = bundled_world(name).params
        except UserError:
            return  # an unknown world is the model's to report
        for key in params:
            if isinstance(key, str) and key not in declared:
                self.add(self.node("world", "params", key, at_key=True),
                         f"world {name!r} has no param {key!r}; known: "
                         f"{', '.join(sorted(declared))}")

    def step(self, index: int, step: dict) -> None:
        base = ("steps", index)
        self.panes(base, step.get("panes"))
        questions = self.unique_ids(base, "questions", step, "question")
        self.unique_ids(base, "checks", step, "check")
        for q_index, question in _dicts(step.get("questions")):
            self.expectation((*base, "questions", q_index, "expect"), question.get("expect"))
        for c_index, check in _dicts(step.get("checks")):
            self.check((*base, "checks", c_index), check, questions)
        self.content(base, step.get("content"))
        saved: set[str] = set()  # results.NAME: saved by an earlier operation of this step
        for o_index, operation in _dicts(step.get("solve")):
            loc = (*base, "solve", o_index)
            for sub_loc, text in _strings(operation.get("params"), (*loc, "params")):
                self.check_template(sub_loc, text, SOLUTION_VARIABLES, saved)
            waiter = operation.get("waiter")
            if isinstance(waiter, dict):
                for sub_loc, text in _strings(waiter.get("params"), (*loc, "waiter", "params")):
                    self.check_template(sub_loc, text, SOLUTION_VARIABLES, saved)
            if isinstance(operation.get("save_as"), str):
                saved = saved | {operation["save_as"]}
        for x_index, example in _dicts(step.get("counterexamples")):
            kept: set[str] = set()
            for o_index, operation in _dicts(example.get("apply")):
                loc = (*base, "counterexamples", x_index, "apply", o_index)
                for sub_loc, text in _strings(operation.get("params"), (*loc, "params")):
                    self.check_template(sub_loc, text, SOLUTION_VARIABLES, kept)
                if isinstance(operation.get("save_as"), str):
                    kept = kept | {operation["save_as"]}

    def panes(self, base: tuple, panes: Any) -> None:
        """Each pane a step names is built in or declared under the scenario's `panes`."""
        if not isinstance(panes, list):
            return
        declared = self.data.get("panes") if isinstance(self.data.get("panes"), dict) else {}
        known = BUILTIN_PANES | {name for name in declared if isinstance(name, str)}
        for p_index, name in enumerate(panes):
            if isinstance(name, str) and name not in known:
                self.add(self.node(*base, "panes", p_index),
                         f"steps[{base[1]}].panes[{p_index}]: unknown pane {name!r}; known: "
                         f"{', '.join(sorted(known))}")

    def unique_ids(self, base: tuple, key: str, step: dict, what: str) -> set[str] | None:
        items = step.get(key, [])
        if not isinstance(items, list):
            return None
        first: dict[str, int] = {}
        for index, item in _dicts(items):
            item_id = item.get("id")
            if not isinstance(item_id, str):
                continue
            node = self.node(*base, key, index, "id")
            if item_id in first:
                self.add(node, f"duplicate {what} id {item_id!r} in this step "
                               f"(first at line {first[item_id]})")
            else:
                first[item_id] = self.line_of(node)
        return set(first)

    def expectation(self, loc: tuple, expect: Any) -> None:
        if not isinstance(expect, dict):
            return
        fact = expect.get("fact")
        if isinstance(fact, str):
            self.fact_used((*loc, "fact"), fact, "the expected answer")
        elif isinstance(fact, list):
            for f_index, name in enumerate(fact):
                self.fact_used((*loc, "fact", f_index), name, "the expected answer")
        choices, correct = expect.get("choices"), expect.get("correct")
        if isinstance(choices, list) and isinstance(correct, list):
            for c_index, answer in enumerate(correct):
                if isinstance(answer, str) and answer not in choices:
                    self.add(self.node(*loc, "correct", c_index),
                             f"correct answer {answer!r} is not one of the choices")

    def check(self, loc: tuple, check: dict, questions: set[str] | None) -> None:
        cls = CHECK_CLASSES.get(check.get("kind")) if isinstance(check.get("kind"), str) else None
        if cls is None:
            return
        question = check.get("question")
        if check.get("kind") == "answer" and isinstance(question, str) and questions is not None:
            if question not in questions:
                known = ", ".join(sorted(questions)) or "none"
                self.add(self.node(*loc, "question"),
                         f"answer check names question {question!r}, which this step lacks "
                         f"(its questions: {known})")
        for field in cls.TEMPLATE_FIELDS:
            value = check.get(field)
            if isinstance(value, dict) and field == "call":
                value = value.get("params")
                self.templates_in((*loc, field, "params"), value, READ_VARIABLES)
            elif value is not None:
                self.templates_in((*loc, field), value, READ_VARIABLES)
        for field in cls.FACT_FIELDS:
            if field in check:
                where, name, what = (*loc, field), check[field], f"check field {field!r}"
            else:
                where, name = loc, cls.model_fields[field].default
                what = f"check {check.get('id', '?')!r} ({field!r} by default)"
            self.fact_used(where, name, what)
            self.fact_kind_fits(where, name, what, cls.FACT_FIELD_KINDS.get(field))

    def fact_kind_fits(self, loc: tuple, name: Any, what: str,
                       allowed: frozenset[str] | None) -> None:
        kind = self.fact_kinds.get(name) if isinstance(name, str) else None
        if allowed and kind is not None and kind not in allowed:
            wanted = " or ".join(sorted(allowed))
            self.add(self.node(*loc), f"{what} needs a fact of kind {wanted}, but fact {name!r} "
                                      f"is of kind {kind}")

    def content(self, base: tuple, relative: Any) -> None:
        scenario_id = self.data.get("id")
        if not isinstance(relative, str) or not relative:
            return
        if not _folder_name(scenario_id):
            return  # reported by the model; no folder could be named after it
        node = self.node(*base, "content")
        content_dir = content_dir_for(self.path, scenario_id)
        shown_dir = content_dir_for(Path(self.display), scenario_id)
        try:
            path = confined_path(content_dir, relative)
            text = read_text(path, "content file")
        except ContentPathError as exc:
            self.add(node, str(exc).replace(str(content_dir), str(shown_dir)))
            return
        shown = str(shown_dir / relative)
        for line, col, escape in control_characters(text)[:1]:
            self.problems.append(Problem(shown, line, col, f"the content holds the control "
                                         f"character {escape} (it would reach a terminal)"))
        problems = template_problems(text, CONTENT_VARIABLES, self.facts)
        if not problems:
            problems = budget_problems(text, str(path), self.trial)
        for line, message in problems:
            self.problems.append(Problem(shown, line, 1, message))
        for line, message in callout_problems(text):
            self.problems.append(Problem(shown, line, 1, message))
        step = self.data["steps"][base[1]] if base[:1] == ("steps",) else {}
        panes = step.get("panes") if isinstance(step, dict) else None
        shown_panes = panes if isinstance(panes, list) else None
        for line, message in runnable_problems(text, shown_panes):
            self.problems.append(Problem(shown, line, 1, message))


def _folder_name(scenario_id: Any) -> bool:
    """An id that names a content folder: a valid one, or an invalid one (reported by the
    model) that is still one harmless path component, so its content files are checked
    too and every problem is reported at once."""
    if not isinstance(scenario_id, str) or not scenario_id.strip():
        return False
    if re.match(SLUG, scenario_id):
        return True
    return (scenario_id not in (".", "..") and scenario_id.isprintable()
            and not any(sep in scenario_id for sep in ("/", "\\", "\0")))


def _dicts(items: Any) -> Iterator[tuple[int, dict]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _strings(value: Any, loc: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*loc, index))


def semantic_problems(root: Node, data: dict, display: str, path: Path,
                      source: str) -> list[Problem]:
    """Every cross-reference, content and template problem of a scenario's data."""
    return _Checker(root, data, display, path, source).run()
