"""The lab screen's footer: Textual's, fitted to a narrow terminal.

At 80x24 the footer lost `^q Quit` and `? Help` off its right end (issue 11.8). Below
NARROW columns it is compact, the longest descriptions are shortened, Help and Quit come
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


def _width(key: object) -> int:
    """Cells a compact FooterKey takes: key, space, description, its right margin."""
    from rich.text import Text

    if not isinstance(key, FooterKey):
        return 0
    return Text(f"{key.key_display} {key.description}").cell_len + 1


class LabFooter(Footer):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._narrow: bool | None = None

    @property
    def narrow(self) -> bool:
        return self.app.size.width < NARROW

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        if not self.narrow:
            yield from widgets
            return
        for widget in widgets:
            if isinstance(widget, FooterKey):
                widget.description = SHORT.get(widget.action, widget.description)
        first = [w for w in widgets if isinstance(w, FooterKey) and w.action in FIRST]
        first.sort(key=lambda w: FIRST.index(w.action))
        ordered = first + [w for w in widgets if w not in first]
        palette = [w for w in ordered if w.has_class("-command-palette")]
        room = self.app.size.width - sum(_width(w) + 2 for w in palette)
        for widget in ordered:
            if widget in palette:
                continue
            room -= _width(widget)
            if room < 0:  # a key cut in half reads as nonsense: leave it to the help (?)
                break
            yield widget
        yield from palette

    def on_resize(self) -> None:
        if self.narrow != self._narrow:
            self._narrow = self.narrow
            self.compact = self.narrow
            self.call_after_refresh(self.recompose)
