"""The step list: every step with its state as icon and word, and the overall progress."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from labguide.tui.session import DONE, STATE_ICONS


def step_prompt(number: int, title: str, state: str) -> Text:
    text = Text()
    text.append(f"{STATE_ICONS[state]} {number}. ", style="bold" if state == DONE else "")
    text.append(title)
    text.append(f"\n     {state}", style="dim" if state != DONE else "bold")
    return text


class StepList(Vertical):
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
        prompts = [
            Option(step_prompt(n, step.title, self.session.state(step.id)), id=step.id)
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

    def select(self, step_id: str) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.session.scenario.step_ids.index(step_id)
