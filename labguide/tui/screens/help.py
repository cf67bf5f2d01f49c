"""Every key of the app, by where it works (built from the bindings themselves)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

KEY_NAMES = {"slash": "/", "question_mark": "?", "escape": "Esc", "enter": "Enter",
             "right_square_bracket": "]", "left_square_bracket": "[", "ctrl+l": "Ctrl+L",
             "ctrl+p": "Ctrl+P", "ctrl+o": "Ctrl+O", "ctrl+e": "Ctrl+E", "ctrl+q": "Ctrl+Q",
             "ctrl+c": "Ctrl+C",
             "tab": "Tab"}


def key_label(key: str) -> str:
    return KEY_NAMES.get(key, key)


def binding_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    from labguide.tui.app import LabGuideApp
    from labguide.tui.panes import PANES
    from labguide.tui.screens.lab import LabScreen
    from labguide.tui.screens.picker import PickerScreen

    def rows(bindings: list) -> list[tuple[str, str]]:
        out = []
        for binding in bindings:
            if isinstance(binding, Binding):
                out.append((", ".join(key_label(k) for k in binding.key.split(",")),
                            binding.description or binding.action))
        return out

    sections = [
        ("Everywhere", rows(LabGuideApp.BINDINGS) + [
            ("Tab / Shift+Tab", "move between parts of the screen"),
            ("Ctrl+P", "command palette: go to a step, run a pane action"),
            ("mouse", "click steps, tabs, rows and buttons; scroll with the wheel"),
        ]),
        ("Lab screen", rows(LabScreen.BINDINGS)),
        ("Scenario picker", rows(PickerScreen.BINDINGS)),
    ]
    for name, pane in PANES.items():
        if not pane.title:  # a declared kind (table): its keys are the scenario's
            continue
        extra = []
        if name == "shell":
            extra = [("Enter", "run the command on the instance")]
        if name == "findings":
            extra = [("Enter", "apply the filter (in the filter bar)")]
        if name == "attacker":
            from labguide.tui.panes.attacker import DENIALS

            extra = [("↑ / ↓", "move between the attacker's calls, newest on top"),
                     ("Home / End", "the newest / the oldest call (on the newest, the pane "
                                    "follows new calls)")]
            extra += [(f"✗ {code}", meaning) for code, meaning in DENIALS.items()]
        sections.append((f"Pane: {pane.title}", rows(pane.BINDINGS) + extra))
    from labguide.tui.widgets.codefence import CodeFence

    sections.append(("Code blocks in the text (Tab to one)", rows(CodeFence.BINDINGS) + [
        ("", "Enter runs a block titled ▶: in the instance shell, or with the AWS CLI "
             "on the lab's account (changes are confirmed first)")]))
    sections.append(("Questions", [("Enter", "check (or save) the answer typed"),
                                   ("h / a", "next hint / show the model answer")]))
    sections.append(("Rewind (simulated account)", [
        ("R", "restart this step, or go back to the start of a step opened before: the "
              "account is rebuilt as it was then (you confirm first)"),
        ("", "your answers are kept; the steps from there on are checked again"),
        ("", "not on a real AWS account nor an endpoint (sim serve, a class): "
             "labguide cannot undo changes there"),
        ("Ctrl+P", "the palette lists each step to go back to"),
    ]))
    return sections


def help_notes(screen: object) -> list[str]:
    """What does not apply on this screen right now, and why (shown atop the keys)."""
    session = getattr(screen, "session", None)
    connection = getattr(session, "connection", None)
    if connection is None:
        return []
    from labguide.lab.rewind import unavailable

    reason = unavailable(connection)
    return [f"Rewind (R) is not available {reason}."] if reason else []


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, notes: list[str] | None = None) -> None:
        super().__init__(classes="modal")
        self.notes = list(notes or [])

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog", id="help"):
            yield Label("Keys", classes="dialog-title")
            for note in self.notes:
                yield Label(Text(note), classes="dialog-note help-note")
            with VerticalScroll(classes="dialog-scroll"):
                for title, keys in binding_sections():
                    table = Table(show_header=False, box=None, pad_edge=False, expand=False)
                    table.add_column(style="bold", min_width=16)
                    table.add_column()
                    for key, what in keys:
                        table.add_row(Text(key), Text(what))
                    yield Label(Text(title, style="bold underline"), classes="help-section")
                    yield Static(table)
            yield Label("Esc closes this help.", classes="dialog-note")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # arrows and PageUp/PageDown scroll the keys

    def action_close(self) -> None:
        self.dismiss(None)
