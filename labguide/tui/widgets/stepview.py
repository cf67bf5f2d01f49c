"""A step's instructions: the rendered markdown with its callouts as boxes, the step's
check results, and its tip questions.

The text is a template rendered in a thread worker (as harlequin runs its IO): a
template may take up to its budget (labguide.scenario.templates, 1 s) and the keys keep
answering meanwhile. Each render is numbered; only the newest one's text is shown, so a
slow render of a step left behind never replaces the text of the step opened since.
While no fact a step's text reads is known, the text made when the scenario was cached
(labguide.scenario.step_texts) is shown at once, with no render. The questions are
mounted with the first text in one batch (one layout, one frame); once every Markdown
of it is mounted, BodyShown, after which the screen shows its footer's keys, mounts its
panes and starts the simulator.
"""

from __future__ import annotations

import textwrap
from typing import Any

from rich.text import Text
from textual import work
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Label, Static
from textual.worker import get_current_worker

from labguide.tui.widgets.callouts import markdown_parts
from labguide.tui.widgets.questions import QuestionCard

CHECK_ICONS = {"passed": "✓", "failed": "✗", "error": "⚠", "manual": "…"}


def hanging(head: Text, body: str, width: int | None) -> list[Text]:
    """`head` then `body` wrapped to `width`, each continuation indented to where the body
    began (a wrapped line that starts at the margin reads as a new item)."""
    if not width or head.cell_len + len(body) <= width:
        return [Text.assemble(head, body)]
    room = max(width - head.cell_len, 10)
    parts = textwrap.wrap(body, room, break_long_words=True, break_on_hyphens=False) or [""]
    indent = " " * head.cell_len
    return [Text.assemble(head, parts[0])] + [Text(indent + part) for part in parts[1:]]


def check_lines(step: Any, result: Any, width: int | None = None) -> Text:
    """One entry per check: icon, status word and title; a failed check adds what was
    expected and observed, an error its cause. At `width`, every entry wraps with its
    continuation lines indented under its text."""
    if not step.checks:
        return Text()
    by_id = {c.id: c for c in result.checks} if result is not None else {}
    lines = [Text("Checks", style="bold")]
    for spec in step.checks:
        check = by_id.get(spec.id)
        status = check.status if check is not None else "pending"
        head = Text(f"{CHECK_ICONS.get(status, '○')} {status:<7} ", style="bold")
        title = spec.title + ("  (answer below)" if status == "manual" else "")
        lines.extend(hanging(head, title, width))
        if check is None:
            continue
        if check.status == "failed" and (check.expected or check.observed):
            lines.extend(hanging(Text("    expected: "), check.expected, width))
            lines.extend(hanging(Text("    observed: "), check.observed, width))
        elif check.status == "error":
            lines.extend(hanging(Text("    could not read the account: "), check.summary,
                                 width))
    return Text("\n").join(lines)


class StepView(VerticalScroll):
    """The current step's text; re-rendered when newly discovered facts change it."""

    ALLOW_MAXIMIZE = True

    class BodyShown(Message):
        """A step's text is drawn and its questions are mounted (the lab screen mounts its
        panes after the first one, so the text is never behind them)."""

        def __init__(self, step_id: str) -> None:
            super().__init__()
            self.step_id = step_id

    class TextRendered(Message):
        """A render of a step's text finished (in the worker): its markdown, or why not."""

        def __init__(self, step_id: str, number: int, markdown: str | None,
                     error: str | None) -> None:
            super().__init__()
            self.step_id, self.number = step_id, number
            self.markdown, self.error = markdown, error

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(id="step-view", **kwargs)
        self.session = session
        self.step_id: str | None = None
        self.rendered: str | None = None
        self.renders = 0  # renders asked for; the newest one's number is `renders`
        self._questions_due: str | None = None  # the step whose questions come with its text
        self._body_due: str | None = None  # the step whose BodyShown follows its text
        self._drawing: set[int] = set()  # ids of the text's Markdowns not mounted yet

    def compose(self):
        yield Label("", id="step-title")
        yield Static("", id="step-checks")
        yield Vertical(id="step-blocks")
        yield Vertical(id="step-questions")

    def on_resize(self) -> None:
        self.refresh_checks()

    def show_step(self, step_id: str) -> None:
        if step_id == self.step_id:
            self.refresh_checks()
            self.refresh_text()
            return
        self.step_id = step_id
        self.rendered = None
        step = self.session.scenario.step(step_id)
        number = self.session.scenario.step_ids.index(step_id) + 1
        total = len(self.session.scenario.steps)
        self.query_one("#step-title", Label).update(
            Text(f"Step {number} of {total} · {step.title}"))
        self.query_one("#step-questions", Vertical).remove_children()
        self._questions_due = step_id
        self.refresh_checks()
        # The text after this frame (its render thread would compete with drawing it):
        # the step's title shows at once.
        self.call_after_refresh(self._show_body, step_id)
        self.scroll_home(animate=False)

    def _show_body(self, step_id: str) -> None:
        if step_id != self.step_id:  # another step was opened meanwhile
            return
        # In the app's queue, behind what that frame queued there (its Ready, after the
        # first frame): the first frame's handlers never wait for the text.
        self.app.call_later(self._show_text_of, step_id)

    def _show_text_of(self, step_id: str) -> None:
        if step_id == self.step_id:
            self.refresh_text()

    def _text_drawn(self) -> None:
        """Every Markdown of the text is mounted (its questions with it): BodyShown after
        that frame."""
        step_id, self._body_due = self._body_due, None
        if step_id is not None and step_id == self.step_id:
            # Once they are drawn: then the screen's panes (and the simulator's start).
            self.call_after_refresh(self.post_message, self.BodyShown(step_id))

    def _show_questions(self, step_id: str) -> list[QuestionCard]:
        """The step's question cards, to mount with its first text."""
        step = self.session.scenario.step(step_id)
        self._body_due = step_id
        return [QuestionCard(self.session, step_id, question, n)
                for n, question in enumerate(step.questions, 1)]

    def refresh_checks(self) -> None:
        if self.step_id is None:
            return
        step = self.session.scenario.step(self.step_id)
        checks = self.query_one("#step-checks", Static)
        # The view keeps its scrollbar's room before the text below makes it appear
        # (scrollbar-gutter: stable), so lines cut now still fit once it shows.
        room = checks.content_region.width or (self.content_region.width - 3 -
                                               self.styles.scrollbar_size_vertical)
        width = room if room > 0 else None  # before the first layout: let it wrap
        lines = check_lines(step, self.session.results.get(self.step_id), width)
        checks.update(lines)
        checks.display = bool(step.checks)
        statuses = {c.status for c in getattr(self.session.results.get(self.step_id),
                                              "checks", [])}
        checks.set_class("error" in statuses, "error")
        checks.set_class("failed" in statuses, "-failed")

    def refresh_text(self) -> None:
        """Render the current step's text again (in a thread); shown if it changed. While
        no fact it reads is known, the text made at load time is shown at once."""
        if self.step_id is None:
            return
        self.renders += 1
        markdown = self.session.text_as_loaded(self.step_id)
        if markdown is not None:  # an older render still running is dropped (its number)
            self._show_text(self.step_id, self.renders, markdown, None)
        else:
            self._render_text(self.step_id, dict(self.session.facts), self.renders)

    @work(thread=True, exclusive=True, group="step-text", exit_on_error=False)
    def _render_text(self, step_id: str, facts: dict[str, str | None], number: int) -> None:
        try:  # within the template budgets (time, size), enforced in this thread
            markdown, error = self.session.render(step_id, facts), None
        except Exception as exc:  # a broken content file: say where, keep the app running
            markdown, error = None, str(exc)
        if not get_current_worker().is_cancelled:  # a newer render replaced this one
            self.post_message(self.TextRendered(step_id, number, markdown, error))

    def on_step_view_text_rendered(self, message: TextRendered) -> None:
        message.stop()
        self._show_text(message.step_id, message.number, message.markdown, message.error)

    def _show_text(self, step_id: str, number: int, markdown: str | None,
                   error: str | None) -> None:
        if step_id != self.step_id or number != self.renders:
            return  # stale: a newer render (of this or another step) was asked for since
        if markdown == self.rendered and markdown is not None:
            return  # shown already (`rendered` is what the view has mounted)
        self._drawing.clear()
        if markdown is None:
            widgets: list[Any] = [Static(Text(f"This step's content could not be shown: "
                                              f"{error}"), classes="content-error")]
        else:
            parts = markdown_parts(markdown)
            self._drawing.update(id(document) for _, document in parts)
            widgets = [block for block, _ in parts]
        self.call_next(self._mount_body, step_id, number, widgets, markdown)

    async def _mount_body(self, step_id: str, number: int, widgets: list[Any],
                          markdown: str | None) -> None:
        """The text's widgets, and the step's questions with its first text, mounted in
        one batch: one layout and one frame for both (mounted one by one, each document
        and card came with a layout and a frame of its own)."""
        if step_id != self.step_id or number != self.renders or not self.is_attached:
            return  # a newer text came meanwhile, or the view is gone (the app quits)
        try:
            blocks = self.query_one("#step-blocks", Vertical)
            questions = self.query_one("#step-questions", Vertical)
        except NoMatches:  # its parts are being removed with it
            return
        self.rendered = markdown
        cards = None
        if self._questions_due == step_id:
            self._questions_due = None
            cards = self._show_questions(step_id)
        with self.app.batch_update():
            await blocks.remove_children()
            blocks.set_class(markdown is None, "error")
            await blocks.mount_all(widgets)
            if cards is not None:
                await questions.remove_children()
                await questions.mount_all(cards)
        if not self._drawing:
            self._text_drawn()

    def on_markdown_table_of_contents_updated(self, message: Any) -> None:
        """A Markdown of the text has mounted its blocks (Textual parses in a thread)."""
        if id(message.markdown) in self._drawing:
            self._drawing.discard(id(message.markdown))
            if not self._drawing:
                self._text_drawn()

    def cards(self) -> list[QuestionCard]:
        return list(self.query(QuestionCard))

    @property
    def drawn(self) -> bool:
        """The current step's text and questions are mounted, no render or mount pending
        (what tests and snapshots wait for)."""
        return (self.step_id is not None and self.rendered is not None
                and self._questions_due is None and self._body_due is None
                and not self._drawing and all(w.is_finished for w in self.workers))
