"""YAML as a tree of marked nodes, and plain data built from it.

The loader composes the document with PyYAML's SafeLoader (so every node keeps
its line and column) and builds the data itself, which lets it report duplicate
keys, unknown tags, numbers too large and alias expansion bombs as located
problems instead of exceptions. `locate` walks the same tree along a pydantic
error `loc` to find the node to blame.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from labguide.textsafe import control_characters

# Alias expansion and nesting are bounded: a scenario is small, a "billion laughs" is not.
MAX_VALUES = 50_000
MAX_DEPTH = 64
# Characters of text the document holds once every alias is expanded (a scenario is ~20 KB).
MAX_EXPANDED_CHARS = 1_000_000
MERGE_TAG = "tag:yaml.org,2002:merge"
_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge",
                 "binary")
}


class YamlProblem(Exception):
    """A problem at a mark (0-based line and column, as PyYAML counts)."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def compose(text: str) -> Node | None:
    """The document's root node, or None for an empty document. Raises YamlProblem."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "syntax error"
        if exc.context and exc.problem_mark is not None:
            problem = f"{problem} ({exc.context})"
        line, col = (mark.line, mark.column) if mark is not None else (0, 0)
        raise YamlProblem(line, col, f"YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position)
        raise YamlProblem(line, col, "not a text file: unacceptable character "
                                     f"U+{exc.character:04X}") from None
    except RecursionError:
        raise YamlProblem(0, 0, "YAML nesting is too deep") from None
    except yaml.YAMLError as exc:  # any other PyYAML error: still located, never a traceback
        raise YamlProblem(0, 0, f"YAML error: {exc}") from None


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[: max(index, 0)]
    line = before.count("\n")
    return line, index - (before.rfind("\n") + 1)


def mapping_items(node: MappingNode) -> Iterator[tuple[Node, Node]]:
    """The (key, value) pairs of a mapping, merge keys (`<<: *x`) expanded first."""
    merged: list[tuple[Node, Node]] = []
    own: list[tuple[Node, Node]] = []
    for key, value in node.value:
        if key.tag == MERGE_TAG:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if isinstance(source, MappingNode):
                    merged.extend(mapping_items(source))
        else:
            own.append((key, value))
    yield from merged
    yield from own


def key_text(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


@dataclass
class _Builder:
    """Turns nodes into plain data (dict, list, str, int, float, bool, None, date)."""

    problems: list[YamlProblem] = field(default_factory=list)
    count: int = 0
    constructor: yaml.SafeLoader = field(default_factory=lambda: yaml.SafeLoader(""))

    def build(self, node: Node, depth: int = 0, stack: tuple[int, ...] = ()) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise YamlProblem(node.start_mark.line, node.start_mark.column,
                              f"the document expands to more than {MAX_VALUES} values "
                              "(aliases expanding too much?)")
        if depth > MAX_DEPTH or id(node) in stack:
            why = "recursive alias" if id(node) in stack else "nesting is too deep"
            raise YamlProblem(node.start_mark.line, node.start_mark.column, f"YAML {why}")
        stack = (*stack, id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, depth, stack)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                return self._unsupported(node)
            return [self.build(item, depth + 1, stack) for item in node.value]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, depth: int, stack: tuple[int, ...]) -> dict:
        if node.tag != "tag:yaml.org,2002:map":
            return self._unsupported(node)
        result: dict[Any, Any] = {}
        seen: dict[Any, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                self._merge(value_node, depth, stack, result)
                continue
            if not isinstance(key_node, ScalarNode):
                self._add(key_node, "a mapping key must be a plain value, not a "
                          + ("list" if isinstance(key_node, SequenceNode) else "mapping"))
                continue
            key = self._scalar(key_node)
            try:
                hash(key)
            except TypeError:
                self._add(key_node, "a mapping key must be a plain value")
                continue
            if key in seen:
                first = seen[key].start_mark.line + 1
                self._add(key_node, f"duplicate key {key!r} (first at line {first})")
                continue
            seen[key] = key_node
            result[key] = self.build(value_node, depth + 1, stack)
        return result

    def _merge(self, value: Node, depth: int, stack: tuple[int, ...], into: dict) -> None:
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, MappingNode):
                self._add(source, "a merge key (<<) needs a mapping or a list of mappings")
                continue
            merged = self.build(source, depth + 1, stack)
            for key, item in merged.items():
                into.setdefault(key, item)

    def _scalar(self, node: Node) -> Any:
        if node.tag not in _STANDARD_TAGS:
            return self._unsupported(node)
        try:
            value = self.constructor.construct_object(node, deep=True)
            if isinstance(value, str):
                found = control_characters(value)
                if found:
                    self._add(node, f"text holds the control character {found[0][2]} "
                              "(scenario text may not: it would reach a terminal)")
                    return None
            return value
        except ValueError as exc:
            if "digits" in str(exc):
                self._add(node, "number too large")
            else:
                self._add(node, f"invalid value: {exc}")
        except yaml.YAMLError as exc:
            self._add(node, f"invalid value: {getattr(exc, 'problem', None) or exc}")
        except (OverflowError, TypeError) as exc:
            self._add(node, f"invalid value: {exc}")
        return None

    def _unsupported(self, node: Node) -> None:
        self._add(node, f"unsupported YAML tag {node.tag!r}")
        return None

    def _add(self, node: Node, message: str) -> None:
        self.problems.append(YamlProblem(node.start_mark.line, node.start_mark.column, message))


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _too_large(root: Node) -> tuple[Node, str] | None:
    """The smallest node whose alias expansion exceeds MAX_VALUES values or
    MAX_EXPANDED_CHARS characters, and which; None if none does (cycles count as 0)."""
    sizes: dict[int, tuple[int, int]] = {}
    visiting: set[int] = set()

    def size(node: Node, depth: int) -> tuple[int, int]:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in visiting or depth > MAX_DEPTH:
            return 0, 0  # reported while building
        visiting.add(id(node))
        values, chars = 1, len(node.value) if isinstance(node, ScalarNode) else 0
        for child in _children(node):
            child_values, child_chars = size(child, depth + 1)
            values, chars = values + child_values, chars + child_chars
        visiting.discard(id(node))
        sizes[id(node)] = (min(values, MAX_VALUES + 1), min(chars, MAX_EXPANDED_CHARS + 1))
        return sizes[id(node)]

    def over(node: Node) -> str | None:
        values, chars = sizes.get(id(node), (0, 0))
        if values > MAX_VALUES:
            return f"more than {MAX_VALUES} values"
        if chars > MAX_EXPANDED_CHARS:
            return f"more than {MAX_EXPANDED_CHARS} characters of text"
        return None

    size(root, 0)
    why = over(root)
    if why is None:
        return None
    node = root
    while True:
        bigger = [c for c in _children(node) if over(c) == why]
        if not bigger:
            return node, why
        node = bigger[0]


def to_data(root: Node) -> tuple[Any, list[YamlProblem]]:
    """Plain data of a document and the problems found building it (possibly several)."""
    builder = _Builder()
    try:
        blame = _too_large(root)
    except RecursionError:
        return None, [YamlProblem(0, 0, "YAML nesting is too deep")]
    if blame is not None:
        node, why = blame
        return None, [YamlProblem(node.start_mark.line, node.start_mark.column,
                                  f"this value expands to {why} through aliases "
                                  "(over the scenario size budget)")]
    try:
        data = builder.build(root)
    except YamlProblem as fatal:
        return None, [*builder.problems, fatal]
    except RecursionError:
        return None, [*builder.problems, YamlProblem(0, 0, "YAML nesting is too deep")]
    return data, builder.problems


def locate(root: Node, loc: tuple[Any, ...], *, at_key: bool = False) -> tuple[Node, bool]:
    """The node a pydantic `loc` points at, and whether a loc element had to be skipped.

    Elements that name no key or index (union tags such as a check's kind) are
    skipped; a missing key stops at the mapping that lacks it. With `at_key`,
    the result is the key node of the last element (for unknown keys), and the
    pydantic marker `[key]` means the same.
    """
    node, skipped = root, False
    for position, element in enumerate(loc):
        last = position == len(loc) - 1
        if element == "[key]":
            continue
        if isinstance(node, MappingNode):
            found = None
            for key_node, value_node in mapping_items(node):
                if key_text(key_node) == str(element):
                    want_key = (last and at_key) or (
                        position + 1 < len(loc) and loc[position + 1] == "[key]")
                    found = key_node if want_key else value_node
            if found is None:
                skipped = True
                continue
            node = found
        elif isinstance(node, SequenceNode) and isinstance(element, int):
            if 0 <= element < len(node.value):
                node = node.value[element]
            else:
                break
        else:
            skipped = True
    return node, skipped
