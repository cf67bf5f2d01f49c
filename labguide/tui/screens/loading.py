"""What the first frame shows while the scenario file is read and validated."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Header, Label


class LoadingScreen(Screen):
    def __init__(self, ref: str) -> None:
        super().__init__(id="loading")
        self.ref = ref

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Middle(), Center():
            # Static on purpose: an animation would take the loading thread's CPU time.
            yield Label(Text(f"Opening {self.ref}…"), id="loading-label")
        yield Footer()
