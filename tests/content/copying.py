"""One definition of "copied": runs of words shared with the reference pages in /work/shared.

Prose is compared without code (fenced blocks, inline spans) and markup; a run of
COPY_RUN words in a row, in the same order, counts as copying.
"""

from __future__ import annotations

import re
from pathlib import Path

COPY_RUN = 8  # words in a row shared with a reference page that count as copying


def _shared() -> Path:
    """/work/shared beside the checkout, or beside a worktree's parent (the nearest one)."""
    for folder in Path(__file__).resolve().parents[2].parents:
        if (folder / "shared" / "reference").is_dir():
            return folder / "shared"
    return Path("/nonexistent/shared")


SHARED = _shared()


def prose(text: str) -> str:
    """Text without code (fenced blocks, inline spans) and markup, for word comparison."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return text


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", prose(text).lower())


def runs(word_list: list[str], n: int = COPY_RUN) -> set[tuple[str, ...]]:
    return {tuple(word_list[i:i + n]) for i in range(len(word_list) - n + 1)}


def reference_pages() -> list[Path]:
    """Every page under /work/shared (DESIGN.md and reference/), when present."""
    if not SHARED.is_dir():
        return []
    return sorted(p for p in SHARED.rglob("*.md") if p.is_file())


def copied_runs(text: str, pages: list[Path]) -> dict[str, list[str]]:
    """The runs `text` shares with each page, by page name."""
    mine = runs(words(text))
    found = {}
    for page in pages:
        shared = mine & runs(words(page.read_text(encoding="utf-8", errors="replace")))
        if shared:
            found[page.name] = sorted(" ".join(run) for run in shared)
    return found
