"""The step list: every step with its state as icon and word, and the overall progress."""

from __future__ import annotations

import textwrap
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from labguide.lab.session import DONE, STATE_ICONS

TITLE_LINES = 3  # a longer title is cut on its last line
NARROW_LIST = 24  # a list this narrow (80 columns) keeps one line a title: all steps in view


def step_prompt(number: int, title: str, state: str, width: int = 80,
                lines: int = TITLE_LINES) -> Text:
    """Icon, number and title, wrapped under the title (up to `lines` lines); then the
    state as a word. Titles were cut at one line, even at 120 columns."""
    lead = f"{STATE_ICONS[state]} {number}. "
    room = max(width - len(lead), 4)
    parts = textwrap.wrap(title, room, break_long_words=True) or [""]
    if len(parts) > lines:
        rest = " ".join(parts[lines - 1:])
        parts = parts[:lines - 1] + [rest if len(rest) <= room else rest[: room - 1] + "…"]
    style = "bold" if state == DONE else ""
    lines = [Text(lead + parts[0], style=style, no_wrap=True, overflow="ellipsis")]
    lines += [Text(" " * len(lead) + part, style=style, no_wrap=True) for part in parts[1:]]
    lines.append(Text(f"   {state}", style="dim" if state != DONE else "bold", no_wrap=True))
    return Text("\n", no_wrap=True, overflow="ellipsis").join(lines)


class StepList(Vertical):
    ALLOW_MAXIMIZE = True

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(id="step-list", **kwargs)
        self.session = session

    def compose(self) -> ComposeResult:
        yield Label("", id="overall")
        yield OptionList(id="steps")

    def on_mount(self) -> None:
        self.refresh_states()

    def refresh_states(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        scenario = self.session.scenario
        width = max((options.size.width or self.size.width or 30) - 2, 12)
        lines = 1 if width < NARROW_LIST else TITLE_LINES
        prompts = [
            Option(step_prompt(n, step.title, self.session.state(step.id), width, lines),
                   id=step.id)
            for n, step in enumerate(scenario.steps, 1)
        ]
        options.clear_options()
        options.add_options(prompts)
        if highlighted is not None:
            options.highlighted = highlighted
        done, total = self.session.done_count(), len(scenario.steps)
        self.query_one("#overall", Label).update(
            Text.assemble(("Progress ", "bold"), f"{done}/{total} done ",
                          ("█" * done + "░" * (total - done)))
        )

    def on_resize(self) -> None:
        self.refresh_states()

    def select(self, step_id: str) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.session.scenario.step_ids.index(step_id)
