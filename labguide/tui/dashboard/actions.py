"""The instructor's actions: one registry, each with what it does and its command line.

Textual-free: the dashboard confirms an action by showing `describe()` and `cli()`,
then runs `run(client)` in a worker. The command lines are the `labguide class …`
commands that do the same thing, so an instructor can script what they did here.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labguide.classroom.client import ClassClient


@dataclass(frozen=True)
class Request:
    """One action on one seat (or the class): what the instructor chose, with its inputs."""

    action: ClassAction
    seat: int | None = None
    name: str = ""
    step: str | None = None
    text: str | None = None
    # The step the screen showed when the instructor chose the action; `step` is then read
    # again from the server (fresh), so the dialog names the step the action will act on.
    shown_step: str | None = None
    fresh: bool = False

    @property
    def who(self) -> str:
        if self.seat is None:
            return "every seat"
        return f"seat {self.seat}" + (f" ({self.name})" if self.name else "")

    def describe(self) -> str:
        said = self.action.describe(self)
        if self.fresh and self.shown_step and self.shown_step != self.step:
            said = (f"{self.who} is now on step {self.step} (the screen showed "
                    f"{self.shown_step} a moment ago).\n\n{said}")
        return said

    def cli(self, url: str, token_file: str | None) -> str:
        command, *rest = self.action.words(self)
        words = ["labguide", "class", command, url, *rest]  # as the commands parse them
        if token_file:
            words += ["--token-file", token_file]
        return shlex.join(words)

    def run(self, client: ClassClient) -> Any:
        return self.action.call(client, self)


@dataclass(frozen=True)
class ClassAction:
    id: str
    key: str
    label: str  # footer/palette label
    scope: str  # "seat" | "class"
    words: Callable[[Request], list[str]]  # the CLI after `labguide class`, before URL
    call: Callable[[ClassClient, Request], Any]
    sentence: Callable[[Request], str]
    needs_step: bool = False  # a seat with no current step cannot take it
    needs_text: str | None = None  # the prompt for a line of text, when it takes one
    danger: bool = False  # undoes the participant's work: the confirm button says so

    def describe(self, request: Request) -> str:
        return self.sentence(request)


def _seat(r: Request) -> list[str]:
    return ["--seat", str(r.seat)]


ACTIONS: tuple[ClassAction, ...] = (
    ClassAction(
        "check", "c", "Run checks", "seat",
        lambda r: ["check", *_seat(r)],
        lambda c, r: c.run_checks(r.seat),
        lambda r: f"Run {r.who}'s checks now, on the server.",
    ),
    ClassAction(
        "message", "m", "Message", "seat",
        lambda r: ["message", *_seat(r), r.text or ""],
        lambda c, r: c.message(r.text or "", seat=r.seat),
        lambda r: f"Send {r.who} this message (a notice in their app):\n  {r.text}",
        needs_text="Message to the participant",
    ),
    ClassAction(
        "hint", "h", "Push hint", "seat",
        lambda r: ["hint", *_seat(r)],
        lambda c, r: c.push_hint(r.seat),
        lambda r: f"Show {r.who} the next hint of step {r.step} in their app.",
        needs_step=True,
    ),
    ClassAction(
        "solve", "v", "Solve step", "seat",
        lambda r: ["solve", *_seat(r), "--step", r.step or ""],
        lambda c, r: c.solve(r.seat, r.step or ""),
        lambda r: f"Apply step {r.step}'s solution to {r.who}'s account.",
        needs_step=True, danger=True,
    ),
    ClassAction(
        "reset-step", "r", "Reset step", "seat",
        lambda r: ["reset", *_seat(r), "--step", r.step or ""],
        lambda c, r: c.reset(r.seat, r.step),
        lambda r: f"Bring {r.who}'s account back to the start of step {r.step}.",
        needs_step=True, danger=True,
    ),
    ClassAction(
        "reset-seat", "R", "Reset seat", "seat",
        lambda r: ["reset", *_seat(r)],
        lambda c, r: c.reset(r.seat),
        lambda r: f"Start {r.who} over: a fresh account and world, progress cleared.",
        danger=True,
    ),
    ClassAction(
        "help-answered", "a", "Help answered", "seat",
        lambda r: ["help-answered", *_seat(r)],
        lambda c, r: c.help_answered(r.seat),
        lambda r: f"Mark {r.who}'s help request answered (their hand goes down).",
    ),
    ClassAction(
        "broadcast", "b", "Broadcast", "class",
        lambda r: ["message", r.text or ""],
        lambda c, r: c.message(r.text or ""),
        lambda r: f"Send every seat this message (a notice in every app):\n  {r.text}",
        needs_text="Message to the whole class",
    ),
    ClassAction(
        "pause", "p", "Pause attackers", "class",
        lambda r: ["attackers", "pause"],
        lambda c, r: c.attackers(True),
        lambda r: "Pause every seat's attacker (no more calls with the stolen credentials).",
    ),
    ClassAction(
        "resume", "P", "Resume attackers", "class",
        lambda r: ["attackers", "resume"],
        lambda c, r: c.attackers(False),
        lambda r: "Resume every seat's attacker.",
    ),
)

BY_ID = {action.id: action for action in ACTIONS}
assert len(BY_ID) == len(ACTIONS) and len({a.key for a in ACTIONS}) == len(ACTIONS)


def export_cli(url: str, token_file: str | None, fmt: str, path: str) -> str:
    words = ["labguide", "class", "export", url, "--format", fmt]
    if token_file:
        words += ["--token-file", token_file]
    return f"{shlex.join(words)} > {shlex.quote(path)}"
