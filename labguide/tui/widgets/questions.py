"""A tip question: hints revealed one at a time, a checked answer, the model answer on request."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from labguide.scenario.model import Question


class _KeylessButton(Button, can_focus=False):
    """A button for the mouse; its action has a key of its own."""


class QuestionCard(Vertical):
    """One question of the current step; every change is saved by the session at once."""

    class Answered(Message):
        def __init__(self, card: QuestionCard, correct: bool | None) -> None:
            super().__init__()
            self.card, self.correct = card, correct

    def __init__(self, session: Any, step_id: str, question: Question, number: int) -> None:
        super().__init__(classes="question-card", id=f"question-{step_id}-{question.id}")
        self.session, self.step_id, self.question, self.number = session, step_id, question, number

    def compose(self) -> ComposeResult:
        # Every part is made as the saved progress has it (answer, verdict, hints shown,
        # model answer): set once mounted, each change was one more layout of the step.
        choices = getattr(self.question.expect, "choices", None)
        placeholder = ("your answer, Enter to check" if self.question.expect
                       else "your answer, Enter to save")
        if choices:
            placeholder = "a choice's number or text, Enter to check"
        saved = self.session.saved_answer(self.step_id, self.question.id)
        answer = Input(value=saved.text if saved is not None else "",
                       placeholder=placeholder, classes="answer-input")
        hints, verdict = Static("", classes="hints"), Static("", classes="verdict")
        # Not in the Tab order (h and a are their keys; a click works): Tab after an
        # answer landed on "Hint 1/2", and the next Enter revealed a hint (issue 11.8).
        hint_button = _KeylessButton("Hint", classes="hint-button", compact=True)
        reveal_button = _KeylessButton("Show model answer", classes="reveal-button",
                                       compact=True)
        model_answer = Static("", classes="model-answer")
        if saved is not None:
            self._show_verdict(saved.correct, None, verdict, answer)
        self._show_reveals(hints, hint_button, model_answer, reveal_button)

        yield Static(Text.assemble(("? Question ", "bold"), (f"{self.number}: ", "bold"),
                                   self.question.question), classes="question-text")
        if choices:
            yield Static(Text("\n".join(f"  {n}) {c}" for n, c in enumerate(choices, 1))),
                         classes="choices")
        yield hints
        with Horizontal(classes="answer-row"):
            yield answer
        yield verdict
        with Horizontal(classes="question-buttons"):
            yield hint_button
            yield reveal_button
        yield model_answer

    def show_saved_answer(self) -> None:
        """The saved answer's text and verdict once the instructor solved the step (a card
        is built with them when it opens)."""
        saved = self.session.saved_answer(self.step_id, self.question.id)
        if saved is not None:
            self.query_one(Input).value = saved.text
        self.show_saved_verdict()
        self.refresh_reveals()

    def show_saved_verdict(self) -> None:
        """The saved answer's verdict (judged again after a rewind)."""
        saved = self.session.saved_answer(self.step_id, self.question.id)
        if saved is not None:
            self._show_verdict(saved.correct, None)

    def refresh_reveals(self) -> None:
        self._show_reveals(self.query_one(".hints", Static),
                           self.query_one(".hint-button", Button),
                           self.query_one(".model-answer", Static),
                           self.query_one(".reveal-button", Button))

    def _show_reveals(self, hints_widget: Static, button: Button, answer: Static,
                      reveal_button: Button) -> None:
        shown = self.session.hints_shown(self.step_id, self.question.id)
        total = len(self.question.hints)
        hints = Text()
        for i, hint in enumerate(self.question.hints[:shown], 1):
            hints.append(f"Hint {i}/{total}: ", style="bold")
            hints.append(f"{hint}\n")
        hints_widget.update(hints)
        hints_widget.display = shown > 0
        button.label = f"Hint {min(shown + 1, total)}/{total}" if shown < total else "No more hints"
        button.disabled = shown >= total
        button.display = total > 0
        revealed = self.session.answer_revealed(self.step_id, self.question.id)
        answer.update(Text.assemble(("Model answer: ", "bold"), self.question.answer))
        answer.display = revealed
        reveal_button.display = not revealed

    def _show_verdict(self, correct: bool | None, message: str | None,
                      verdict: Static | None = None, field: Input | None = None) -> None:
        verdict = verdict or self.query_one(".verdict", Static)
        if correct is True:
            verdict.update(Text(f"✓ {message or 'Correct.'}", style="bold"))
        elif correct is False:
            verdict.update(Text(f"✗ {message or 'Not quite: try again or take a hint.'}",
                                style="bold"))
        else:
            verdict.update(Text(message or "Answer saved.") if message or
                           self.session.saved_answer(self.step_id, self.question.id) else "")
        verdict.set_class(correct is True, "-correct")
        verdict.set_class(correct is False, "-wrong")
        (field or self.query_one(Input)).set_class(correct is False, "error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.has_class("hint-button"):
            self.next_hint()
        elif event.button.has_class("reveal-button"):
            self.reveal_answer()

    def next_hint(self) -> None:
        if self.session.hints_shown(self.step_id, self.question.id) >= len(self.question.hints):
            self.notify("No more hints for this question.")
            return
        self.session.reveal_next_hint(self.step_id, self.question)
        self.refresh_reveals()

    def reveal_answer(self) -> None:
        self.session.reveal_answer(self.step_id, self.question)
        self.refresh_reveals()
        self.post_message(self.Answered(self, None))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._show_verdict(False, "Type an answer first.")
            return
        try:
            verdict = self.session.submit_answer(self.step_id, self.question, text)
        except Exception as exc:  # the answer could not be judged: say why, keep the text
            self.add_class("error")
            self.notify(f"Could not check the answer: {exc}", severity="error")
            return
        self.remove_class("error")
        self._show_verdict(verdict.correct, verdict.message)
        self.post_message(self.Answered(self, verdict.correct))
