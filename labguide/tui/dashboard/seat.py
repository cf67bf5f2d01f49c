"""One seat: its header, its event timeline, its current check results, and read-only
live panes of its account (read through the class API, never with the seat's keys).

Polls the seat's own route (one request per refresh) while it is the screen on top;
the board's poll waits meanwhile. The seat's actions are the board's, on this seat.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer, Static, TabbedContent, TabPane

from labguide.awstime import instant
from labguide.tui.dashboard import cells
from labguide.tui.dashboard.actions import ACTIONS, BY_ID, Request
from labguide.tui.dashboard.model import ClassView, SeatRow
from labguide.tui.dashboard.polling import PolledScreen
from labguide.tui.panes.base import Col, PaneTable, sync_table

CHECK_ICONS = {"passed": "✓", "failed": "✗", "error": "⚠", "manual": "✎"}
EVENT_ICONS = {"report-step": "▶", "check-failed": "✗", "report-check": "·",
               "step-done": "✓", "report-step_done": "✓", "report-hint": "💡",
               "report-answer": "✎", "answer": "✎", "report-answer_revealed": "👁",
               "aws-write": "$", "report-help": "✋", "help-answered": "✓", "message": "✉",
               "joined": "→", "reset": "↺", "solved": "⚙", "journal-cut": "⚠"}
TIMELINE = (Col("at", "Time", 8, 11), Col("event", "Event", 10, 18), Col("step", "Step", 8, 18),
            Col("what", "What", 20, 200, flex=True))
CHECKS = (Col("step", "Step", 8, 18), Col("check", "Check", 10, 22),
          Col("status", "Status", 8, 9), Col("what", "Summary", 16, 60, flex=True),
          Col("expected", "Expected", 10, 40, flex=True),
          Col("observed", "Observed", 10, 40, flex=True))


class SeatScreen(PolledScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        *[Binding(a.key, f"act('{a.id}')", a.label, show=a.scope == "seat")
          for a in ACTIONS],
        Binding("u", "refresh_now", "Refresh", show=False),
    ]

    class Fetched(Message):
        def __init__(self, detail: dict, row: SeatRow | None) -> None:
            super().__init__()
            self.detail, self.row = detail, row

    class Failed(Message):
        def __init__(self, cause: str) -> None:
            super().__init__()
            self.cause = cause

    class ScenarioLoaded(Message):
        def __init__(self, loaded: Any, error: str | None) -> None:
            super().__init__()
            self.loaded, self.error = loaded, error

    def __init__(self, seat: int, view: ClassView | None = None) -> None:
        super().__init__(id="seat")
        self.seat = seat
        self.scenario_id = view.scenario if view else ""
        self.account: Any = None  # the seat's read-only account, once the scenario is loaded
        self.row: SeatRow | None = view.seat(seat) if view else None
        self.detail: dict[str, Any] = {}
        self.refresh_times: list[float] = []
        self.whole: dict[str, dict[str, Text]] = {"timeline": {}, "checks": {}}  # row -> text
        self._panes_have_facts = False

    def compose(self) -> ComposeResult:
        yield Static(id="seat-header")
        with TabbedContent(id="seat-tabs"):
            with TabPane("Timeline", id="tab-timeline"):
                yield PaneTable(TIMELINE, id="timeline")
                yield Static(classes="row-detail", id="timeline-detail")
            with TabPane("Checks", id="tab-checks"):
                yield PaneTable(CHECKS, id="checks")
                yield Static(classes="row-detail", id="checks-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._show_header()
        if self.scenario_id:
            self._load_scenario(self.scenario_id)

    # ----- the seat's live panes (read-only, through the class API) ---------------------------

    @work(thread=True, group="seat-scenario", exit_on_error=False)
    def _load_scenario(self, ref: str) -> None:
        from labguide.progress import cache_dir
        from labguide.scenario import load_scenario_cached

        try:
            self.post_message(self.ScenarioLoaded(load_scenario_cached(ref, cache_dir()), None))
        except Exception as exc:  # a scenario this machine does not have: no panes, say so
            self.post_message(self.ScenarioLoaded(None, f"{type(exc).__name__}: {exc}"))

    def on_seat_screen_scenario_loaded(self, message: ScenarioLoaded) -> None:
        from labguide.classroom.seat_reads import seat_target
        from labguide.tui.dashboard.seat_panes import SeatAccount, pane_names, read_only

        tabs = self.query_one("#seat-tabs", TabbedContent)
        if message.error or message.loaded is None:
            tabs.add_pane(TabPane("Account", Static(Text(
                f"The seat's panes need the scenario on this machine: {message.error}")),
                id="tab-no-panes"))
            return
        scenario = message.loaded.scenario
        target = seat_target(self.app.client, self.seat, scenario.region)  # type: ignore
        self.account = SeatAccount(target, scenario, class_client=self.app.client,  # type: ignore
                                   seat=self.seat)
        self.refresh_now()  # the facts the panes need, at once
        for name in pane_names(scenario):
            pane_class = read_only(name, scenario)
            tabs.add_pane(TabPane(pane_class.title, pane_class(self.account),
                                  id=f"tab-pane-{name}"))

    @on(TabbedContent.TabActivated, "#seat-tabs")
    def _tab_activated(self) -> None:
        # Only a pane on screen polls (panes.base): one shown now polls if a poll came due
        # while its tab was hidden, as on the participant's lab screen.
        self.call_after_refresh(self._wake_panes)

    def _wake_panes(self, force: bool = False) -> None:
        from labguide.tui.panes.base import Pane

        for pane in self.query(Pane):
            if pane.showing:
                pane.poll_now() if force else pane.wake()

    @work(thread=True, exclusive=True, group="seat", exit_on_error=False)
    def _fetch(self) -> None:
        app: Any = self.app
        started = time.perf_counter()
        try:
            detail = app.client.seat(self.seat)
            if self.account is not None:  # its panes' facts and attacker calls
                self.account.read_world()
            status = {"now": detail.get("now"), "scenario": detail.get("scenario"),
                      "steps": detail.get("step_titles") or [], "seats": [detail]}
            row = ClassView.build(status, app.now(),
                                  idle_after=app.options.idle_after,
                                  stuck_after=app.options.stuck_after).seats[0]
        except Exception as exc:
            from labguide.tui.dashboard.app import describe_failure

            self.post_message(self.Failed(describe_failure(exc)))
            return
        self.refresh_times.append(time.perf_counter() - started)
        self.post_message(self.Fetched(detail, row))

    def on_seat_screen_fetched(self, message: Fetched) -> None:
        self.polled()
        self.detail = message.detail
        # Time on step and its flag need the whole class: keep the board's, else this one's.
        board_row = self.row
        self.row = message.row
        if board_row is not None and message.row is not None:
            self.row.slow = board_row.slow and board_row.current_step == self.row.current_step
        self._show_header()
        self._show_timeline(message.detail.get("events") or [])
        self._show_checks(message.detail.get("checks") or [])
        if self.account is not None and self.account.facts and not self._panes_have_facts:
            self._panes_have_facts = True  # the panes shown polled without them: again
            self._wake_panes(force=True)

    def on_seat_screen_failed(self, message: Failed) -> None:
        self.poll_failed(message.cause)
        self._show_header()

    # ----- showing -----------------------------------------------------------------------------

    def _show_header(self) -> None:
        row = self.row
        text = Text()
        if row is None:
            text.append(f"Seat {self.seat}", style="bold")
            text.append("  loading…", style="dim")
        else:
            text.append(f"Seat {row.seat} ", style="bold")
            text.append(row.name or "", style="bold")
            text.append("  ")
            text.append(cells.status_cell(row))
            text.append("  ")
            text.append(cells.progress_cell(row))
            if row.current_step:
                text.append("  step ")
                text.append(cells.step_cell(row))
                text.append("  on it ")
                text.append(cells.on_step_cell(row))
            if row.account_id:
                text.append(f"  account {row.account_id}", style="dim")
            text.append("\n")
            text.append(f"hints {row.hints} · answers shown {row.answers_revealed} · ")
            text.append("attacker ")
            text.append(cells.attacker_cell(row))
            text.append(" · seen ")
            text.append(cells.seen_cell(row))
            for line in cells.seat_notes(row):
                text.append("\n")
                text.append(line)
        if self.error:
            text.append("\n⚠ ", style="bold red")
            text.append(self.error, style="bold red")
            text.append(" (retrying)")
        self.query_one("#seat-header", Static).update(text)

    def _show_timeline(self, events: list[dict]) -> None:
        now = self.app.now()  # type: ignore[attr-defined]
        self.whole["timeline"] = {}
        rows = []
        for n, event in enumerate(reversed(events[-300:])):  # newest first
            kind = str(event.get("kind") or "")
            what = Text(str(event.get("summary") or ""))
            if event.get("text"):
                what.append("  “")
                what.append(str(event["text"]))
                what.append("”")
            if event.get("expected") or event.get("observed"):
                what.append(cells.expected_observed(event))
            if kind == "aws-write" and event.get("cli"):  # the line says it all
                what = Text.assemble(("$ ", "dim"), str(event["cli"]))
            elif event.get("cli"):
                what.append("  $ ", style="dim")
                what.append(str(event["cli"]), style="dim")
            key = f"{len(events) - n}"
            cells_ = [Text(_clock(event.get("at"), now)),
                      Text(f"{EVENT_ICONS.get(kind, '·')} {kind.removeprefix('report-')}"),
                      Text(str(event.get("step") or "")), what]
            rows.append((key, cells_))
            self.whole["timeline"][key] = Text(" ").join(cells_)
        self._sync("timeline", rows)

    def _show_checks(self, steps: list[dict]) -> None:
        self.whole["checks"] = {}
        rows = []
        for step in steps:
            for check in step.get("checks") or []:
                status = str(check.get("status") or "")
                key = f"{step.get('id')}/{check.get('id')}"
                word = Text(f"{CHECK_ICONS.get(status, '?')} {status}",
                            style="green" if status == "passed" else "bold red"
                            if status in ("failed", "error") else "")
                summary, expected, observed = (Text(str(check.get(k) or ""))
                                               for k in ("summary", "expected", "observed"))
                rows.append((key, [Text(str(step.get("id") or "")),
                                   Text(str(check.get("id") or "")), word, summary,
                                   expected, observed]))
                self.whole["checks"][key] = Text.assemble(
                    word, " ", key, ": ", summary, ("\nexpected ", "dim"), expected,
                    ("\nobserved ", "dim"), observed)
        self._sync("checks", rows)

    def _sync(self, name: str, rows: list) -> None:
        table = self.query_one(f"#{name}", PaneTable)
        sync_table(table, rows)
        self._show_whole(table)

    def _show_whole(self, table: Any) -> None:
        """Under a table, its highlighted row whole (a narrow screen cuts the cells)."""
        from labguide.tui.panes.base import cursor_key

        name = table.id or ""
        if name not in self.whole:
            return
        key = cursor_key(table)
        self.query_one(f"#{name}-detail", Static).update(
            self.whole[name].get(key or "", Text("")))

    def on_data_table_row_highlighted(self, event: Any) -> None:
        self._show_whole(event.data_table)

    # ----- keys -------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_act(self, action_id: str) -> None:
        action = BY_ID[action_id]
        if action.scope == "class":
            self.app.ask(Request(action))  # type: ignore[attr-defined]
            return
        row = self.row
        self.app.ask(Request(action, self.seat, row.name if row else "",  # type: ignore
                             row.current_step if row else None))

    def action_refresh_now(self) -> None:
        self.refresh_now()


def _clock(value: Any, now: Any) -> str:
    """An event's time: HH:MM:SS today, else the date too."""
    if not value:
        return ""
    try:
        moment = instant(value)
    except (TypeError, ValueError):
        return str(value)
    if now - moment < timedelta(hours=20):
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%m-%d %H:%M")
