"""Asking before a command throws the learner's work away: on a terminal, a typed yes;
anywhere else (a script, a pipe) the command's --yes."""

from __future__ import annotations

import sys

from labguide.errors import UserError


def confirm_or_refuse(what: str, question: str, *, yes: bool) -> None:
    """Return if confirmed (`yes`, or "yes" typed); else UserError, nothing changed."""
    if yes:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError(f"{what}; nothing was changed: add --yes to go ahead")
    print(f"{what}.", flush=True)
    try:
        reply = input(f"{question} Type yes to confirm: ")
    except EOFError:
        reply = ""
    if reply.strip().lower() not in ("y", "yes"):
        raise UserError("not done: nothing was changed")
