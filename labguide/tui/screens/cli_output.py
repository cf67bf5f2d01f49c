"""What a runnable AWS CLI block printed: each command, then its output or its error,
as a terminal would show them; `y` copies the output, Esc closes."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from labguide.textsafe import visible


def transcript_text(transcript: list[Any], stopped: str | None = None) -> Text:
    """`$ command` lines, each followed by its output (or error); `stopped`: why the
    remaining commands were not run."""
    text = Text()
    for shown in transcript:
        text.append(f"$ {visible(shown.command)}\n", style="bold")
        if shown.output:
            text.append(visible(shown.output.rstrip("\n")) + "\n")
        if shown.error:
            text.append(visible(shown.error) + "\n", style="bold red")
        if not shown.output and not shown.error:
            text.append("(no output)\n", style="dim")
    if stopped:
        text.append(f"\n{visible(stopped)}\n", style="italic")
    return text


class CliOutputScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "close", "Close"), Binding("y", "copy", "Copy output")]

    def __init__(self, title: str, transcript: list[Any], *, stopped: str | None = None,
                 failed: bool = False) -> None:
        super().__init__(classes="modal", id="cli-output")
        self.title_text, self.transcript, self.stopped = title, list(transcript), stopped
        self.failed = failed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog" + (" error" if self.failed else "")):
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll", id="cli-output-scroll"):
                yield Static(transcript_text(self.transcript, self.stopped),
                             id="cli-output-text")
            yield Label("y copies the output · Esc closes", classes="dialog-note")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # arrows and PageUp/PageDown scroll it

    def action_copy(self) -> None:
        output = "".join(shown.output for shown in self.transcript).strip("\n")
        if not output:
            self.notify("No output to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(output)
        self.notify(f"{len(output.splitlines())} lines", title="Copied the output")

    def action_close(self) -> None:
        self.dismiss(None)
