"""The step list: every step with its state as icon and word, and the overall progress."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from labguide.lab.session import DONE, STATE_ICONS


def step_prompt(number: int, title: str, state: str, width: int = 80) -> Text:
    """Two lines that never wrap: icon, number and title; then the state as a word."""
    first = Text(f"{STATE_ICONS[state]} {number}. ", style="bold" if state == DONE else "",
                 no_wrap=True, overflow="ellipsis")
    room = max(width - len(first), 4)
    first.append(title if len(title) <= room else title[: room - 1] + "…")
    second = Text(f"   {state}", style="dim" if state != DONE else "bold", no_wrap=True)
    return Text("\n", no_wrap=True, overflow="ellipsis").join([first, second])


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
        prompts = [
            Option(step_prompt(n, step.title, self.session.state(step.id), width), id=step.id)
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
