"""Errors every layer may raise; the command line maps them to exit codes.

A `UserError` is the user's to fix (bad input, bad configuration): it becomes a
one-line message on stderr and exit code 2, never a traceback.
"""


class UserError(Exception):
    """Bad input or configuration; the message is shown as is, exit code 2."""

    exit_code = 2


class ScenarioError(UserError):
    """A scenario file is invalid; `lines` holds every `PATH:LINE:COL: message` found."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines
