"""The one sanitiser of text bound for a terminal (CLI output, the app, notifications,
the log): control characters are made visible, never sent.

Text from a scenario file or an AWS response (a finding's field, a tag, a command's
output) may hold ESC sequences: clear the screen, set the window title, write the
clipboard (OSC 52). `visible` turns every C0 and C1 control character, DEL and the
bidirectional overrides into a visible escape such as `\\x1b` or `\\u202e`; newlines and
tabs stay when the text may span lines. `control_characters` finds them, for
validation that refuses them in scenario text.
"""

from __future__ import annotations

import re

_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_CONTROL_OR_LINES = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, lines: bool = True) -> str:
    """`text` with control characters shown as escapes; with `lines` False, newlines
    and tabs are shown too (for a value that must stay on one line)."""
    text = str(text)
    return (_CONTROL if lines else _CONTROL_OR_LINES).sub(_shown, text)


def control_characters(text: str) -> list[tuple[int, int, str]]:
    """(line, column, escape) of each control character other than newline and tab,
    1-based, for a located validation message."""
    found = []
    for match in _CONTROL.finditer(text):
        before = text[: match.start()]
        line = before.count("\n") + 1
        found.append((line, match.start() - (before.rfind("\n") + 1) + 1, _shown(match)))
    return found
