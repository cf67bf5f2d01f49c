"""Pydantic validation errors as located, readable problems.

Each error's `loc` is walked down the YAML node tree to the node to blame (the
key itself for an unknown key, the mapping for a missing one) and its message
is rewritten in a scenario author's words.
"""

from __future__ import annotations

import datetime
import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node

from labguide.scenario.model import (
    ANSWER_TAGS,
    CHECK_CLASSES,
    FACT_NAME,
    SLUG,
    ChoiceAnswer,
    FactAnswer,
    PatternAnswer,
    Scenario,
)
from labguide.scenario.problems import Problem
from labguide.scenario.yamltree import key_text, locate, mapping_items

_ANSWER_CLASSES = {"fact": FactAnswer, "choices": ChoiceAnswer, "pattern": PatternAnswer}


def human_loc(loc: tuple[Any, ...]) -> str:
    """`steps[0].checks[1].kind` from a loc, union tags left out."""
    out = ""
    model: Any = Scenario
    for element in loc:
        if isinstance(element, int):
            out += f"[{element}]"
            model = _inner(model, element)
            continue
        if element == "[key]":
            continue
        if _is_tag(model, element):
            model = _pick(model, element)
            continue
        out += ("." if out else "") + str(element)
        model = _inner(model, element)
    return out


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        options = [_unwrap(a) for a in options]
        return options[0] if len(options) == 1 else tuple(options)
    return tp


def _inner(tp: Any, element: Any) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(element))
        return _unwrap(field.annotation) if field else None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list and args:
        return _unwrap(args[0])
    if origin is dict and len(args) == 2:
        return _unwrap(args[1])
    return None


def _is_tag(tp: Any, element: Any) -> bool:
    return isinstance(_unwrap(tp), tuple) and isinstance(element, str)


def _pick(tp: Any, tag: str) -> Any:
    """The member of union `tp` that tag names: its `kind`, an answer's key, a world's form."""
    options = _unwrap(tp)
    for option in options if isinstance(options, tuple) else (options,):
        if not (isinstance(option, type) and issubclass(option, BaseModel)):
            continue
        kind = option.model_fields.get("kind")
        if kind is not None and tag in (typing.get_args(kind.annotation) or ()):
            return option
    from labguide.scenario.model import InlineWorld, WorldRef

    return (_ANSWER_CLASSES.get(tag) or {"bundled": WorldRef, "inline": InlineWorld}.get(tag)
            or CHECK_CLASSES.get(tag))


def _model_at(loc: tuple[Any, ...]) -> Any:
    model: Any = Scenario
    for element in loc:
        if element == "[key]":
            continue
        model = _pick(model, element) if _is_tag(model, element) else _inner(model, element)
        if model is None:
            return None
    return _unwrap(model)


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _pattern_message(pattern: str, value: Any) -> str:
    if pattern == SLUG:
        return f"{value!r} must be lowercase letters, digits and dashes (e.g. filter-key)"
    if pattern == FACT_NAME:
        return (f"{value!r} is not a fact name: lowercase letters, digits and underscores, "
                "starting with a letter")
    if "[a-z]{2}" in pattern:
        return f"{value!r} is not an AWS region name (e.g. ap-southeast-2)"
    return f"{value!r} does not match the pattern {pattern}"


def _message(error: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "extra_forbidden":
        key = loc[-1]
        model = _model_at(loc[:-1])
        if isinstance(model, type) and issubclass(model, BaseModel):
            allowed = sorted(model.model_fields)
            close = difflib.get_close_matches(str(key), allowed, n=1)
            if close:
                return f"unknown key {key!r} (did you mean {close[0]!r}?)"
            return f"unknown key {key!r}; allowed: {', '.join(allowed)}"
        return f"unknown key {key!r}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        what, known = _union_kinds(loc)
        if kind == "union_tag_invalid":
            return f"unknown {what} kind {ctx.get('tag')!r}; known: {', '.join(known)}"
        return f"a {what} needs a 'kind': one of {', '.join(known)}"
    if kind == "string_type":
        quote = isinstance(value, bool | int | float | datetime.date)
        return f"expected text, got {_kind_of(value)}" + (" (put it in quotes)" if quote else "")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping, got {_kind_of(value)}"
    if kind == "list_type":
        return f"expected a list, got {_kind_of(value)}"
    if kind == "string_pattern_mismatch":
        return _pattern_message(str(ctx.get("pattern", "")), value)
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def _union_kinds(loc: tuple[Any, ...]) -> tuple[str, list[str]]:
    """Which tagged union an error is in (by where it is) and its kinds."""
    from labguide.scenario.kinds import FACT_REGISTRY, PANE_REGISTRY
    from labguide.scenario.world_model import ACTOR_REGISTRY

    names = [part for part in loc if isinstance(part, str)]
    if "actors" in names:
        return "actor", sorted(ACTOR_REGISTRY)
    if "checks" in names:
        return "check", sorted(CHECK_CLASSES)
    if "facts" in names:
        return "fact", sorted(FACT_REGISTRY)
    if "panes" in names:
        return "pane", sorted(n for n, k in PANE_REGISTRY.items() if k.model is not None)
    return "check", sorted(CHECK_CLASSES)


def model_problems(exc: ValidationError, root: Node, display: str) -> list[Problem]:
    """One located problem per pydantic error."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        node, _ = locate(root, loc, at_key=error["type"] == "extra_forbidden")
        if error["type"] == "union_tag_invalid" and isinstance(node, MappingNode):
            for key_node, value_node in mapping_items(node):
                if key_text(key_node) == "kind":
                    node = value_node
        where = human_loc(loc)
        message = _message(error, loc)
        if where and error["type"] not in ("missing", "extra_forbidden"):
            message = f"{where}: {message}"
        elif error["type"] in ("missing", "extra_forbidden") and human_loc(loc[:-1]):
            message = f"{human_loc(loc[:-1])}: {message}"
        problems.append(Problem(display, node.start_mark.line + 1, node.start_mark.column + 1,
                                message))
    return problems


__all__ = ["model_problems", "human_loc", "ANSWER_TAGS"]
