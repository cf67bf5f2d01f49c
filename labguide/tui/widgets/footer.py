"""The lab screen's footer: Textual's, fitted to the terminal.

At 80x24 the footer lost `^q Quit` and `? Help` off its right end (issue 11.8), and at 120
columns too once a pane's own keys joined the lab's. When the keys do not fit (or below
NARROW columns) it is compact, the longest descriptions are shortened, Help and Quit come
first (the two keys a newcomer needs most are never the ones cut), and a key that does
not fit whole is left out (the help lists every key).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the footer's own key widget (no public name)

NARROW = 100
FIRST = ("help", "quit")  # actions shown first on a narrow screen
SHORT = {"next_step": "Next", "previous_step": "Prev", "answer": "Answer",
         "save_filter": "Save", "copy_key": "Copy", "copy_arn": "Copy", "copy_id": "Copy",
         "raise_hand": "Hand", "messages": "Messages"}


def _width(key: object, compact: bool) -> int:
    """Cells a FooterKey takes: key, description and their padding (compact: one space
    between them and a one-cell margin)."""
    from rich.text import Text

    if not isinstance(key, FooterKey):
        return 0
    return Text(f"{key.key_display} {key.description}").cell_len + (1 if compact else 2)


class LabFooter(Footer):
    """Textual's footer, unless its keys would not fit: then compact, short labels, Help
    and Quit first, and only the keys that fit whole (a pane's own keys at 120 columns cut
    `R Re…` and pushed Quit and Help off too)."""

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        palette = [w for w in keys if w.has_class("-command-palette")]
        width = self.app.size.width
        full = sum(_width(w, False) for w in widgets) + 2 * len(palette)
        fits = full <= width and width >= NARROW
        if self.compact == fits:
            self.compact = not fits
        if fits:
            yield from widgets
            return
        for widget in keys:
            widget.description = SHORT.get(widget.action, widget.description)
        first = sorted((w for w in keys if w.action in FIRST), key=lambda w: FIRST.index(w.action))
        ordered = first + [w for w in widgets if w not in first and w not in palette]
        room = width - sum(_width(w, True) + 2 for w in palette)
        for widget in ordered:
            room -= _width(widget, True)
            if room < 0:  # a key cut in half reads as nonsense: leave it to the help (?)
                break
            yield widget
        yield from palette

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
