"""Callouts in step content: fenced divs that the app shows as boxes.

    ::: tip Optional title
    markdown lines
    :::

A callout opens with `:::` and a kind from names.CALLOUT_KINDS, and closes
with a bare `:::`. Lines inside fenced code blocks are never callout fences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from labguide.scenario.names import CALLOUT_KINDS

BlockKind = Literal["markdown", "info", "tip", "question", "warning"]

_OPEN = re.compile(r"^:::[ \t]*([A-Za-z][\w-]*)[ \t]*(.*?)[ \t]*$")
_CLOSE = re.compile(r"^:::[ \t]*$")
_CODE_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Block:
    """A run of plain markdown, or one callout with its kind and optional title."""

    kind: BlockKind
    text: str
    title: str | None = None


def _scan(markdown: str):
    """Yield (event, line number, kind, title, line) for each line: 'open', 'close', 'text'."""
    fence: str | None = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        code = _CODE_FENCE.match(line)
        if fence is not None:
            if code and code.group(1)[0] == fence[0] and len(code.group(1)) >= len(fence):
                fence = None
            yield "text", number, None, None, line
            continue
        if code:
            fence = code.group(1)
            yield "text", number, None, None, line
        elif _CLOSE.match(line):
            yield "close", number, None, None, line
        elif match := _OPEN.match(line):
            yield "open", number, match.group(1), match.group(2) or None, line
        else:
            yield "text", number, None, None, line


def split_callouts(markdown: str) -> list[Block]:
    """The content as markdown blocks and callouts, in order; blank markdown runs dropped.

    Lenient, for display: an unknown kind is shown as plain markdown, an
    unclosed callout runs to the end, a stray `:::` is kept as text.
    (`callout_problems` reports all of these for `labguide validate`.)
    """
    blocks: list[Block] = []
    lines: list[str] = []
    current: tuple[str, str | None] | None = None

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if current is not None:
            blocks.append(Block(current[0], text, current[1]))  # type: ignore[arg-type]
        elif text.strip():
            blocks.append(Block("markdown", text, None))
        lines.clear()

    for event, _number, kind, title, line in _scan(markdown):
        if event == "open" and current is None and kind in CALLOUT_KINDS:
            flush()
            current = (kind, title)
        elif event == "close" and current is not None:
            flush()
            current = None
        else:
            lines.append(line)
    flush()
    return blocks


def callout_problems(markdown: str) -> list[tuple[int, str]]:
    """(line, message) for unknown kinds, nested or unclosed callouts and stray closings."""
    problems: list[tuple[int, str]] = []
    open_at: int | None = None
    known = ", ".join(sorted(CALLOUT_KINDS))
    for event, number, kind, _title, _line in _scan(markdown):
        if event == "open":
            if kind not in CALLOUT_KINDS:
                problems.append((number, f"unknown callout kind {kind!r}; known: {known}"))
            elif open_at is not None:
                problems.append((number, f"callout inside the callout opened at line {open_at}; "
                                 "close it first with ':::'"))
            else:
                open_at = number
        elif event == "close":
            if open_at is None:
                problems.append((number, "':::' closes no callout"))
            open_at = None
    if open_at is not None:
        problems.append((open_at, "callout is never closed (a line ':::' ends it)"))
    return problems
