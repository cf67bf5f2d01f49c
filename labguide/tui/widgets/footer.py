"""The lab screen's footer: Textual's, fitted to the terminal.

At 80x24 the footer lost `^q Quit` and `? Help` off its right end (issue 11.8), and at 120
columns too once a pane's own keys joined the lab's. When the keys do not fit (or below
NARROW columns) it is compact, the longest descriptions are shortened, Help and Quit come
first (the two keys a newcomer needs most are never the ones cut), and a key that does
not fit whole is left out (the help lists every key).

Textual's footer builds its ~17 keys again at every bindings update (focus moves, a
screen resumes, refresh_bindings) and every resize, one rebuild per update even when
several come in one frame: five rebuilds of ~15 ms each while the lab screen and its
step's text were first drawn, for the same keys. This one rebuilds once per frame at
most, and only when what its keys are made of changed. The lab screen holds its keys
back until the step's text and questions are drawn: building and styling them (~17
widgets) came first on the app's thread and delayed the text by ~40 ms.
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

    _shown: tuple | None = None  # what the keys shown were made from (_showing)
    _rebuild_due = False  # a rebuild is asked for after the next refresh

    def __init__(self, *, held: bool = False, **kwargs) -> None:  # noqa: ANN003
        """`held`: no keys until show_keys() (the lab screen's step text comes first)."""
        super().__init__(**kwargs)
        self._held = held

    def show_keys(self) -> None:
        if self._held:
            self._held = False
            self._bindings_ready = True
            # From the footer's own queue: Footer.compose binds its keys to this footer
            # (data_bind), which needs it as the running message pump, not the caller.
            self.call_later(self._rebuild_soon)

    def _showing(self) -> tuple:
        """What Footer.compose makes the keys from: the width, and each binding it shows
        (with the command palette's) with whether it is enabled and its tooltip."""
        active = self.screen.active_bindings
        shown = tuple((binding.key, binding.description, binding.action, binding.group,
                       enabled, tooltip) for (_, binding, enabled, tooltip) in active.values()
                      if binding.show)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        palette_key = None if palette is None else (palette[1].key, palette[2])
        return (self.app.size.width, shown, palette_key, self.show_command_palette,
                self.app.ENABLE_COMMAND_PALETTE)

    def bindings_changed(self, screen) -> None:  # noqa: ANN001 - Footer's signal handler
        self._bindings_ready = True
        if self._held:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._rebuild_soon()

    def _rebuild_soon(self) -> None:
        if not self._rebuild_due:
            self._rebuild_due = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_due = False
        if self.is_attached and self._showing() != self._shown:
            await self.recompose()

    def compose(self) -> ComposeResult:
        if self._held:
            return
        if self._bindings_ready:
            self._shown = self._showing()
        widgets = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        palette = [w for w in keys if w.has_class("-command-palette")]
        width = self.app.size.width
        full = sum(_width(w, False) for w in widgets) + 2 * len(palette)
        fits = full <= width and width >= NARROW
        if self.compact == fits:
            self.compact = not fits
        for key in keys:  # styled compact or not from the start: not restyled once mounted
            if key in palette:
                continue  # Footer binds every key's compact to its own but this one's
            key.set_reactive(FooterKey.compact, not fits)
            key.set_class(not fits, "-compact", update=False)
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
        self._rebuild_soon()
