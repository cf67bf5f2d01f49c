"""A located problem in a scenario file, and how it is printed: `PATH:LINE:COL: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem; line and col are 1-based. `path` is the file as the user named it."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


def format_problems(problems: list[Problem], first_path: str) -> list[str]:
    """Every problem once, the scenario file's own sorted by position, then other files'."""
    unique = sorted(set(problems), key=lambda p: (p.path != first_path, p.path, p.line, p.col,
                                                  p.message))
    return [str(p) for p in unique]
