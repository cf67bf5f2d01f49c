"""Each step's text rendered once with no fact known, kept with the loaded scenario.

The app shows a step's text as soon as its lab screen is drawn. Rendering the template
there meant importing Jinja (~20 ms) and a render thread competing with the first
frames; yet until a check round discovers a fact the step reads, the render gives
exactly the text made at load time. So the scenario cache keeps that text with the
facts its template reads (`reads`, found in the template's syntax tree), and the app
renders only once one of them is known. Jinja-free: read on the first frame's path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StepText:
    """A step's markdown rendered with no fact known, and the facts its template reads
    (None: it reads `facts` as a whole, so any known fact may change it)."""

    markdown: str
    reads: frozenset[str] | None


def fact_text(value: Any) -> str | None:
    """A fact's value as content shows it: a list fact as its items joined, None (shown
    as a placeholder) when nothing is known."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or None
    return value


def text_as_loaded(texts: Mapping[str, StepText], step_id: str,
                   facts: Mapping[str, Any]) -> str | None:
    """The step's markdown as rendered at load time if a render with `facts` gives the
    same text (no fact it reads is known), else None: it must be rendered."""
    text = texts.get(step_id)
    if text is None:
        return None
    names = facts.keys() if text.reads is None else text.reads
    if any(fact_text(facts.get(name)) is not None for name in names):
        return None
    return text.markdown
