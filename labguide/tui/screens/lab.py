"""The lab screen: steps on the left, the step's instructions and its live panes, a status line.

Checks run in a worker when a step opens, after each pane action, on `c`, and
by polling; a step whose checks pass is marked done with a notice. Learners
move freely between steps (past the first only once the account is ready).
"""

from __future__ import annotations

import logging
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Header,
    Input,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import get_current_worker

from labguide.classroom.message_kinds import SOLVED
from labguide.tui.describe import describe_error
from labguide.tui.messages import ClassMessage
from labguide.tui.screens.action_host import ActionHost
from labguide.tui.screens.run_blocks import RunBlocks
from labguide.tui.widgets.footer import LabFooter
from labguide.tui.widgets.questions import QuestionCard
from labguide.tui.widgets.steplist import StepList
from labguide.tui.widgets.stepview import CHECK_ICONS, StepView

log = logging.getLogger(__name__)

HEADER_MARGIN = 16  # the header's icon and padding, both sides (centred text)
SHORT_HEIGHT = 36  # below this many rows, text and panes take turns (measured: 80x24, 100x32)


def view_bar(pane_names: list[str], showing_panes: bool, scenario: Any = None) -> Text:
    """Which of the two views is shown on a short screen, and the key to the other."""
    from labguide.tui.pane_titles import pane_title

    titles = ", ".join(pane_title(name, scenario) for name in pane_names)
    text = Text(no_wrap=True, overflow="ellipsis")
    if showing_panes:
        text.append("Live panes", style="bold reverse")
        text.append("  ·  ")
        text.append("Esc", style="bold")
        text.append(" back to the instructions")
    else:
        text.append("Instructions", style="bold reverse")
        text.append("  ·  ")
        text.append("t", style="bold")
        text.append(f" live panes: {titles}")
    return text


def status_text(target: str, checks: Text, refreshed: str, width: int, *,
                short_target: str | None = None, align: int | None = None) -> Text:
    """The status line: target, the step's checks, the last refresh. When it does not fit
    (80 columns), shorter labels (`short_target` for the target); then the checks part
    gives way, then the target, never the time. `align`: the column where the first
    separator should sit (under the step list's border) when the target leaves room."""
    pad = ""
    if align is not None and 2 + len(target) + 2 < align:
        pad = " " * (align - 4 - len(target))
    text = Text.assemble(("◆ ", "bold"), target, pad, ("  │  checks: ", "dim"), checks,
                         ("  │  refreshed ", "dim"), refreshed)
    if text.cell_len <= width:
        return text
    tail = Text.assemble((" │ ", "dim"), ("↻ ", "dim"), refreshed.removesuffix(" UTC"))
    label = Text(short_target or target)
    label.truncate(max(width - tail.cell_len - 2 - 3 - 8, 8), overflow="ellipsis")
    head = Text.assemble(("◆ ", "bold"), label, (" │ ", "dim"))
    room = max(width - head.cell_len - tail.cell_len, 8)
    checks = checks.copy()
    checks.truncate(room, overflow="ellipsis")
    return Text.assemble(head, checks, tail)


class LabScreen(RunBlocks, ActionHost, Screen):
    BINDINGS = [
        Binding("n", "next_step", "Next step"),
        Binding("p", "previous_step", "Prev step"),
        Binding("c", "check_now", "Check"),
        Binding("h", "hint", "Hint"),
        Binding("a", "reveal_answer", "Show model answer", show=False),
        Binding("e", "answer", "Type answer"),
        Binding("t", "focus_panes", "Panes"),
        Binding("i", "focus_instructions", "Text", show=False),
        Binding("l", "focus_steps", "Steps", show=False),
        Binding("right_square_bracket", "next_tab", "Next pane", show=False),
        Binding("left_square_bracket", "previous_tab", "Prev pane", show=False),
        Binding("z", "toggle_maximize", "Zoom", show=False),
        Binding("f", "finish", "Finish", show=False),
        Binding("R", "rewind", "Rewind"),  # the embedded simulator only (tui/screens/rewind)
        Binding("escape", "leave_field", "Leave field", show=False),
        Binding("ctrl+o", "picker", "Scenarios", show=False),
        Binding("exclamation_mark", "raise_hand", "Raise hand (class)"),  # in a class only
        Binding("m", "messages", "Class messages"),  # in a class only
    ]

    class AccountReady(Message):
        """Posted (from the starting thread) once the account is reachable or failed."""

    class RoundDone(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class RoundFailed(Message):
        def __init__(self, cause: str) -> None:
            super().__init__()
            self.cause = cause

    def __init__(self, session: Any, on_first_paint: Any = None) -> None:
        super().__init__(id="lab")
        self.session = session
        self.on_first_paint = on_first_paint  # e.g. start the simulator: never before this
        self.step_id = session.current_step_id()
        self.check_error: str | None = None
        self._check_timer: Any = None
        self._finish_shown = session.all_done()
        self.panes_ready = False
        self._panes_requested = False
        self._settled = False  # the heap frozen again once the lab has settled
        self.pane_names = self._pane_order()
        self.panes_view = False  # on a short screen: the live panes instead of the text
        self.received: list[tuple[str, str]] = []  # ClassMessages, oldest first
        from labguide.tui.class_seat import HandState

        self.hand = HandState()  # a raised hand, in a class

    def _pane_order(self) -> list[str]:
        names: list[str] = []
        for step in self.session.scenario.steps:
            for pane in step.panes:
                if pane not in names:
                    names.append(pane)
        return names

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Size classes before the children exist: set later, each would restyle them all.
        self._apply_size_classes(self.app.size.width, self.app.size.height)
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="lab-body"):
            yield StepList(self.session)
            with Container(id="main"):
                yield Static("", id="view-bar")
                yield StepView(self.session)
                yield TabbedContent(id="panes")
        yield Static("", id="status-line")
        yield LabFooter(held=True)  # its keys once the step's text is drawn

    def _header_label(self) -> str:
        """The header's subtitle: where the learner works, short when the whole would be cut
        (the header centres "title — subtitle" between its icon and its edge)."""
        connection = self.session.connection
        full = connection.label()
        room = self.app.size.width - HEADER_MARGIN - len(self.session.scenario.title) - 3
        return full if len(full) <= room else connection.short_label()

    def on_mount(self) -> None:
        self.title = self.session.scenario.title
        self.sub_title = self._header_label()
        self._apply_size(self.app.size.width, self.app.size.height)
        self.open_step(self.step_id)
        if self.reporter is not None:  # the status line says whether the class hears us
            self.set_interval(5.0, self.update_status)
            from labguide.tui.class_seat import deliver_messages

            deliver_messages(self, self.reporter)

    @property
    def reporter(self) -> Any:
        from labguide.tui.class_seat import reporter_of

        return reporter_of(self.app)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Raise hand and messages exist only in a class; rewind only where it can work
        (the help and the palette say why not elsewhere)."""
        if action in ("raise_hand", "messages"):
            return self.reporter is not None
        if action == "rewind":
            from labguide.lab.rewind import unavailable

            return unavailable(self.session.connection) is None
        return True

    def action_rewind(self) -> None:
        from labguide.tui.screens.rewind import ask_rewind

        ask_rewind(self)

    def action_raise_hand(self) -> None:
        from labguide.tui.class_seat import raise_hand

        raise_hand(self, self.hand)

    def action_messages(self) -> None:
        from labguide.tui.class_seat import MessagesScreen

        self.app.push_screen(MessagesScreen(self.received))

    def on_step_view_body_shown(self, _message: StepView.BodyShown) -> None:
        # The footer's keys and the panes (many widgets) come after the step's text.
        self.query_one(LabFooter).show_keys()
        if not self._panes_requested:
            self._panes_requested = True
            self.call_after_refresh(self._mount_panes)

    async def _mount_panes(self) -> None:
        if self.on_first_paint is not None:
            self.on_first_paint()
            self.on_first_paint = None
        from labguide.tui.panes import pane_class

        tabs = self.query_one(TabbedContent)
        for name in self.pane_names:
            pane_cls = pane_class(name, self.session.scenario)
            await tabs.add_pane(TabPane(pane_cls.title, pane_cls(self.session), id=f"tab-{name}"))
        self.panes_ready = True
        self._show_step_panes()
        self.session.connection.on_ready(lambda: self.post_message(self.AccountReady()))

    def on_resize(self, event: Any) -> None:
        self._apply_size(event.size.width, event.size.height)
        self.sub_title = self._header_label()
        self.update_status()

    def _apply_size(self, width: int, height: int) -> None:
        self._apply_size_classes(width, height)
        self._layout_main()

    def _apply_size_classes(self, width: int, height: int) -> None:
        wide = width >= 140
        self.set_class(wide, "-wide")
        self.set_class(width < 100, "-narrow")
        # Too short to stack text and panes: show one at a time (t / Esc switch).
        self.set_class(not wide and height < SHORT_HEIGHT, "-short")

    @property
    def short(self) -> bool:
        return self.has_class("-short")

    def _layout_main(self) -> None:
        """Text and panes side by side or stacked; on a short screen, one of them and a
        bar saying which and how to switch."""
        from textual.css.query import NoMatches

        try:
            tabs = self.query_one(TabbedContent)
        except NoMatches:  # not composed yet
            return
        step = self.session.scenario.step(self.step_id)
        has_panes = bool(step.panes) and self.panes_ready
        showing_panes = self.short and has_panes and self.panes_view
        was_shown = tabs.display
        tabs.display = has_panes and (showing_panes or not self.short)
        if tabs.display and not was_shown:
            self.call_after_refresh(self._realign_tab_underline)
        self.query_one(StepView).display = not showing_panes
        bar = self.query_one("#view-bar", Static)
        bar.display = self.short and bool(step.panes)
        if bar.display:
            bar.update(view_bar(step.panes, showing_panes, self.session.scenario))
        if tabs.display:
            self.call_after_refresh(self._wake_panes)

    def on_lab_screen_account_ready(self, _message: AccountReady) -> None:
        self.sub_title = self._header_label()
        self.refresh_bindings()  # rewind, once the simulated account is there
        if self.session.connection.error is not None:
            cause = describe_error(self.session.connection.error)
            self.check_error = f"the simulated account did not start: {cause}"
            self.notify(self.check_error, severity="error", timeout=15)
        self.update_status()
        self.run_checks()

    # ----- steps ------------------------------------------------------------------------

    def open_step(self, step_id: str) -> None:
        in_panes = self._leave_panes()
        self.step_id = step_id
        self.panes_view = False  # a new step: its instructions first
        self.session.set_current(step_id)
        self.query_one(StepList).refresh_states()
        self.query_one(StepList).select(step_id)
        self.query_one(StepView).show_step(step_id)
        self._layout_main()
        self._show_step_panes(refocus=in_panes)
        self.update_status()
        self.run_checks()

    def _leave_panes(self) -> bool:
        """Take the focus off a pane before a step change hides it; True if it was there.

        At once (set_focus, not focus(), which is deferred): a focused widget that is hidden
        hands the focus to the next one of its own pane, whose tab then became active again
        under the new step's tabs, with its keys in the footer (issue 11.1)."""
        focused = self.focused
        from textual.css.query import NoMatches

        try:
            tabs = self.query_one(TabbedContent)
        except NoMatches:
            return False
        if focused is None or tabs not in focused.ancestors:
            return False
        self.set_focus(self.query_one(StepView))
        return True

    def _show_step_panes(self, refocus: bool = False) -> None:
        if not self.panes_ready:
            return
        step = self.session.scenario.step(self.step_id)
        tabs = self.query_one(TabbedContent)
        for name in step.panes:
            tabs.show_tab(f"tab-{name}")
        if step.panes:
            # Before hiding the others: hiding the active tab makes Tabs activate its
            # neighbour through a message that could arrive after ours (step 5 opened on
            # the attacker tab now and then).
            tabs.active = f"tab-{step.panes[0]}"
        for name in self.pane_names:
            if name not in step.panes:
                tabs.hide_tab(f"tab-{name}")
        self._layout_main()
        if step.panes:
            # Hiding the active tab activates another one afterwards: insist once settled,
            # then give the focus back to the panes if they had it (and are shown).
            self.call_after_refresh(self._activate_tab, f"tab-{step.panes[0]}", refocus)

    def _realign_tab_underline(self) -> None:
        """Tabs place their underline when a tab is activated; activated while hidden,
        it sits at column 0 until the next resize. Place it under the active tab now."""
        from textual.widgets import Tabs

        for tabs in self.query_one(TabbedContent).query(Tabs):
            realign = getattr(tabs, "_highlight_active", None)  # Textual's own, no public API
            if realign is not None:
                realign(animate=False)

    def _activate_tab(self, tab_id: str, focus: bool = False) -> None:
        tabs = self.query_one(TabbedContent)
        if tab_id.removeprefix("tab-") not in self.session.scenario.step(self.step_id).panes:
            return  # another step opened meanwhile
        tabs.active = tab_id
        if focus and tabs.display:
            pane = tabs.active_pane
            from labguide.tui.panes.base import Pane

            for live in pane.query(Pane) if pane is not None else []:
                # After the switch's own layout, which resets a focus it finds hidden.
                self.call_after_refresh(live.focus_default)
        self._wake_panes()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.call_after_refresh(self._wake_panes)

    def on_screen_resume(self) -> None:
        self._wake_panes()

    def go_to(self, step_id: str) -> None:
        """Open a step; past the first, wait for the account to be ready."""
        first = self.session.scenario.step_ids[0]
        if step_id == first or self.session.connection.ready or \
                self.session.connection.error is not None:
            self.open_step(step_id)
            return
        self.notify("Waiting for the simulated account to be ready…")
        self._wait_then_open(step_id)

    @work(thread=True, exclusive=True, group="wait-ready", exit_on_error=False)
    def _wait_then_open(self, step_id: str) -> None:
        self.session.connection.wait_ready(120)
        if not get_current_worker().is_cancelled:  # another step was asked for meanwhile
            self.app.call_from_thread(self.open_step, step_id)

    @on(OptionList.OptionSelected, "#steps")
    def _step_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id != self.step_id:
            self.go_to(event.option.id)

    def _step_offset(self, delta: int) -> None:
        ids = self.session.scenario.step_ids
        index = ids.index(self.step_id) + delta
        if 0 <= index < len(ids):
            self.go_to(ids[index])
        else:
            self.notify("That was the last step." if delta > 0 else "This is the first step.")

    def action_next_step(self) -> None:
        self._step_offset(1)

    def action_previous_step(self) -> None:
        self._step_offset(-1)

    def action_go_step(self, step_id: str) -> None:
        self.go_to(step_id)

    # ----- checks -----------------------------------------------------------------------

    def run_checks(self) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
            self._check_timer = None
        if not self.session.connection.ready:
            return
        self.session.findings.advance()  # a new refresh: one findings read, shared
        self._round_worker()

    @work(thread=True, exclusive=True, group="checks", exit_on_error=False)
    def _round_worker(self) -> None:
        try:
            result = self.session.run_round()
        except Exception as exc:  # shown in the status line; polling continues
            log.warning("check round failed: %s", describe_error(exc), exc_info=True)
            message: Message = self.RoundFailed(describe_error(exc))
        else:
            message = self.RoundDone(result)
        if not get_current_worker().is_cancelled:  # a newer round replaced this one
            self.post_message(message)

    def _live_panes(self) -> list[Any]:
        if not self.panes_ready:  # before the first frame: the panes' code is not loaded yet
            return []
        from labguide.tui.panes.base import Pane

        return list(self.query(Pane))

    def _poll_round_followers(self) -> None:
        """The panes that show what the round read (the findings): now, from its read."""
        for pane in self._live_panes():
            if pane.round_driven:
                pane.poll_now()

    def _wake_panes(self) -> None:
        """Panes just shown poll if a poll came due while they were hidden."""
        for pane in self._live_panes():
            if pane.showing:
                pane.wake()

    def on_lab_screen_round_done(self, message: RoundDone) -> None:
        if not self._settled and self.session.connection.embedded is not None:
            # The first round made the clients, panes and reads that last: freeze them too.
            from labguide.sim.heap import settle

            self._settled = True
            settle()
        self.check_error = None
        facts_before = dict(self.session.facts)
        newly_done = self.session.apply_round(message.result, self.app.now())
        if self.session.rejudged:  # kept answers judged again (a rewind): their verdicts
            for card in self.query_one(StepView).cards():
                card.show_saved_verdict()
        if self.session.facts != facts_before and self.panes_ready:
            # Newly discovered facts (the role, the instance) let panes show more: now
            # (the hidden ones once shown).
            from labguide.tui.panes.base import Pane

            for pane in self.query(Pane):
                if not pane.round_driven:
                    pane.poll_now()
        self._poll_round_followers()
        finishing = self.session.all_done() and not self._finish_shown
        for step_id in newly_done:
            if finishing:  # the closing dialog says it: a toast would sit on its button
                break
            title = self.session.scenario.step(step_id).title
            self.notify(f"✓ Step done: {title}", title="Well done", timeout=6)
        self.query_one(StepList).refresh_states()
        view = self.query_one(StepView)
        view.refresh_checks()
        view.refresh_text()
        self._schedule_checks()
        self.update_status()
        if self.session.all_done() and not self._finish_shown:
            self._finish_shown = True
            self.action_finish()

    def on_lab_screen_round_failed(self, message: RoundFailed) -> None:
        note = self.session.connection.spec.env_note()
        self.check_error = f"{message.cause} ({note})" if note else message.cause
        self._poll_round_followers()  # each says in place what it cannot read
        self._schedule_checks(backoff=True)
        self.update_status()

    def _schedule_checks(self, backoff: bool = False) -> None:
        delay = self.app.check_interval * (3 if backoff else 1)  # type: ignore[attr-defined]
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(delay, self.run_checks)

    def action_check_now(self) -> None:
        if not self.session.connection.ready:
            self.notify("The account is not ready yet.")
            return
        self.notify("Checking…", timeout=2)
        self.run_checks()

    def on_question_card_answered(self, _message: QuestionCard.Answered) -> None:
        self.query_one(StepList).refresh_states()
        self.run_checks()

    def after_action(self, requester: Any) -> None:
        """An action ended: check now (a new refresh) and re-read the pane that asked."""
        from labguide.tui.panes.base import Pane

        self.run_checks()
        if isinstance(requester, Pane) and not requester.round_driven:
            requester.poll_now()

    # ----- status -----------------------------------------------------------------------

    def update_status(self) -> None:
        status = self.query_one("#status-line", Static)
        width = status.size.width or self.app.size.width
        word = "error" if self.check_error else ""
        if self.check_error:
            checks = Text(f"⚠ error: {self.check_error}", style="bold")
        else:
            word, detail = self.session.step_check_summary(self.step_id)
            checks = Text(f"{CHECK_ICONS.get(word, '○')} {word}", style="bold")
            if detail and word not in ("none",):
                checks.append(f" ({detail})")
        refreshed = self.session.last_refresh
        when = self.app.format_time(refreshed) if refreshed else "not yet"
        connection = self.session.connection
        label, short = connection.label(), connection.short_label()
        if self.reporter is not None:
            from labguide.tui.class_seat import presence

            label = f"{label} · {presence(self.reporter)}"
            short = f"{short} · {presence(self.reporter)}"
        steps = self.query_one(StepList)
        align = steps.region.right - 1 - status.content_region.x if steps.display else None
        status.update(status_text(label, checks, when, width, short_target=short,
                                  align=align if align and align > 0 else None))
        status.set_class(word == "error", "error")

    # ----- keys -------------------------------------------------------------------------

    def _focused_card(self) -> QuestionCard | None:
        if self.panes_view:  # questions live with the instructions
            self.panes_view = False
            self._layout_main()
        cards = self.query_one(StepView).cards()
        focused = self.app.focused
        for card in cards:
            if focused is not None and (focused is card or card in focused.ancestors):
                return card
        for card in cards:  # the first not yet answered correctly
            if not self._answered(card):
                return card
        return cards[0] if cards else None

    def _answered(self, card: QuestionCard) -> bool:
        saved = self.session.saved_answer(card.step_id, card.question.id)
        return saved is not None and saved.correct is not False

    def action_hint(self) -> None:
        card = self._focused_card()
        if card is None:
            self.notify("This step has no questions.")
            return
        card.next_hint()
        card.scroll_visible()

    def action_reveal_answer(self) -> None:
        card = self._focused_card()
        if card is None:
            self.notify("This step has no questions.")
            return
        card.reveal_answer()
        card.scroll_visible()

    def action_answer(self) -> None:
        card = self._focused_card()
        if card is None:
            self.notify("This step has no questions.")
            return
        if self._answered(card):  # go on to the next question still open, never back
            cards = self.query_one(StepView).cards()
            start = cards.index(card)
            card = next((c for c in cards[start + 1:] + cards[:start] if not self._answered(c)),
                        card)
        card.query_one("Input").focus()
        card.scroll_visible()

    def action_focus_panes(self) -> None:
        tabs = self.query_one(TabbedContent)
        if not self.session.scenario.step(self.step_id).panes:
            self.notify("This step has no live panes.")
            return
        if not self.panes_ready:
            self.notify("The live panes are still loading.")
            return
        if self.short and not self.panes_view:
            self.panes_view = True
            self._layout_main()
            self.call_after_refresh(self.action_focus_panes)
            return
        pane = tabs.active_pane
        if pane is None:
            return
        from labguide.tui.panes.base import Pane

        for live in pane.query(Pane):
            live.focus_default()
            return

    @on(events.Click, "#view-bar")
    def _view_bar_clicked(self) -> None:
        if self.panes_view:
            self.show_instructions()
        else:
            self.action_focus_panes()

    def show_instructions(self) -> None:
        if self.panes_view:
            self.panes_view = False
            self._layout_main()
        self.query_one(StepView).focus()

    def action_focus_instructions(self) -> None:
        self.show_instructions()

    def action_focus_steps(self) -> None:
        self.query_one("#steps").focus()

    def _cycle_tab(self, delta: int) -> None:
        tabs = self.query_one(TabbedContent)
        step = self.session.scenario.step(self.step_id)
        if not step.panes:
            return
        current = tabs.active.removeprefix("tab-")
        index = step.panes.index(current) if current in step.panes else 0
        tabs.active = f"tab-{step.panes[(index + delta) % len(step.panes)]}"
        self.action_focus_panes()

    def action_next_tab(self) -> None:
        self._cycle_tab(1)

    def action_previous_tab(self) -> None:
        self._cycle_tab(-1)

    def action_toggle_maximize(self) -> None:
        from labguide.tui.panes.base import Pane

        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        while focused is not None and not (isinstance(focused, Pane) or
                                           focused.id in ("step-view", "step-list")):
            focused = focused.parent  # type: ignore[assignment]
        if focused is not None:
            self.maximize(focused, container=False)

    def action_finish(self) -> None:
        from labguide.tui.screens.finish import FinishScreen

        try:
            text = self.session.render_finish()
        except Exception as exc:
            self.notify(f"The closing text could not be shown: {exc}", severity="error")
            return
        self.app.push_screen(FinishScreen(text, self.session))

    def run_pane_command(self, pane_name: str, action: str) -> None:
        """A pane action from the command palette: show its pane, then run it."""
        from labguide.tui.pane_titles import pane_title

        step = self.session.scenario.step(self.step_id)
        if pane_name not in step.panes:
            self.notify(f"The {pane_title(pane_name, self.session.scenario)} pane is not part "
                        "of this step.", severity="warning")
            return
        self.query_one(TabbedContent).active = f"tab-{pane_name}"
        if self.short and not self.panes_view:
            self.panes_view = True
            self._layout_main()
        pane = self.query_one(f"#pane-{pane_name}")
        name, _, argument = action.partition("(")
        if argument:  # a declared row action: row_action(N)
            getattr(pane, f"action_{name}")(int(argument.rstrip(")")))
        else:
            getattr(pane, f"action_{action}")()

    def watch_maximized(self, maximized: Any) -> None:
        """Esc un-zooms before any binding sees it (Textual's rule); when that leaves the
        focus in an answer field, leave the field too, or the next keys (t, z, n) would be
        typed into the answer (seen in a newcomer's run)."""
        if maximized is None and isinstance(self.focused, Input) and \
                any(isinstance(a, QuestionCard) for a in self.focused.ancestors):
            self.show_instructions()

    def on_class_message(self, message: ClassMessage) -> None:
        """A message from outside the lab (the instructor): shown until dismissed, plain."""
        from labguide.tui.class_seat import message_lowers_hand

        self.received.append((message.sender, message.text))
        message_lowers_hand(message.kind, self.hand)
        if message.kind == SOLVED:
            self.take_solved_answers(message.data)
        self.notify(message.text, title=f"Message from {message.sender}", timeout=30)

    def take_solved_answers(self, data: dict) -> None:
        """The instructor solved a step: its model answers are this learner's now, shown in
        the step's cards if it is open, and the checks run again."""
        step_id, answers = data.get("step"), data.get("answers")
        if not isinstance(step_id, str) or not isinstance(answers, dict):
            return
        if self.session.take_solved_answers(step_id, answers) and step_id == self.step_id:
            for card in self.query(QuestionCard):
                card.show_saved_answer()
        self.query_one(StepList).refresh_states()
        self.run_checks()

    def action_leave_field(self) -> None:
        """Esc: out of a text field (or a pane) back to the instructions."""
        self.show_instructions()

    def action_picker(self) -> None:
        self.app.action_open_picker()  # type: ignore[attr-defined]
