"""CloudTrail event history: what was done with a key, from where, and whether it worked.

The table lists the account's management events (LookupEvents, labguide.lab.trail),
newest first; `/` opens the filter bar (access key, event name, source IP; Enter reads
again with it); the selected event's whole record (its CloudTrailEvent JSON) is shown
below. Event history keeps IAM's events in us-east-1, so a lab elsewhere reads both.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Static

from labguide.awstime import to_utc
from labguide.lab.trail import EventFilter, TrailRead, event_record, pretty_record, read_events
from labguide.textsafe import visible
from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes import gd
from labguide.tui.panes.base import Col, Pane, PaneTable, cursor_key, sync_table

FILTER_INPUTS = (("trail-key", "access key id"), ("trail-event", "event name"),
                 ("trail-ip", "source IP"))
MIN_INTERVAL = 5.0  # LookupEvents allows 2 calls a second per account and region


def event_time(event: dict) -> str:
    when = event.get("EventTime")
    return to_utc(when).strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(when, "tzinfo") else \
        str(when or "")


class CloudTrailPane(Pane):
    name_ = "cloudtrail"
    title = PANE_TITLES["cloudtrail"]
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("y", "copy_event", "Copy event JSON"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.applied = EventFilter()  # what the last read asked CloudTrail for

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="trail-filter-bar"):
            for input_id, placeholder in FILTER_INPUTS:
                yield Input(placeholder=placeholder, id=input_id, compact=True)
        yield PaneTable([Col("at", "Time", 8, 19), Col("event", "Event", 12, 34, flex=True),
                         Col("error", "Error", 5, 16), Col("ip", "Source IP", 9, 15),
                         Col("key", "Access key", 8, 20, flex=True)], id="trail-table")
        with VerticalScroll(classes="detail", id="trail-detail-scroll"):
            yield Static("Select an event to see its record.", id="trail-detail")

    @property
    def interval(self) -> float:
        return max(super().interval, MIN_INTERVAL)

    def typed(self) -> EventFilter:
        values = [self.query_one(f"#{input_id}", Input).value.strip()
                  for input_id, _ in FILTER_INPUTS]
        return EventFilter(*values)

    def fetch(self, target: Any) -> Any:
        return read_events(target, self.applied)

    def visible_events(self) -> list[dict]:
        """The events read, narrowed by what is typed now (before Enter reads again)."""
        data: TrailRead | None = self.last_data
        if data is None:
            return []
        typed = self.typed()
        return [e for e in data.events if typed.matches(e)]

    def show(self, data: TrailRead) -> None:
        self._refresh_table()

    def _refresh_table(self) -> None:
        data: TrailRead | None = self.last_data
        if data is None:
            return
        today = self.today()
        rows = []
        for event in self.visible_events():
            record = event_record(event)
            error = record.get("errorCode") or ""
            rows.append((f"{event.get('Region')}/{event.get('EventId')}", [
                Text(gd.short_time(event_time(event), today)),
                Text(f"{visible(event.get('EventName', ''), lines=False)} "
                     f"({visible(str(event.get('EventSource', '')).split('.')[0], lines=False)})"),
                Text(visible(error, lines=False), style="bold" if error else ""),
                Text(visible(record.get("sourceIPAddress", ""), lines=False)),
                Text(visible(event.get("AccessKeyId") or "", lines=False)),
            ]))
        sync_table(self.query_one(DataTable), rows)
        shown = self.applied.describe()
        where = " + ".join(data.regions)
        events = "event" if len(rows) == 1 else "events"
        if shown:
            note = f"{len(rows)} {events} with {shown} ({where})"
        else:
            note = (f"{len(rows)} newest {events} ({where}); / filters by access key, "
                    "event name or source IP (Tab to the next field)")
        if not data.complete:
            note += f"; searched the newest {data.scanned}"
        if self.typed() != self.applied:
            note += "; Enter reads with what is typed"
        self.set_status(Text(note))
        self._show_selected()

    def selected(self) -> dict | None:
        key = cursor_key(self.query_one(DataTable))
        if key is None or self.last_data is None:
            return None
        return next((e for e in self.last_data.events
                     if f"{e.get('Region')}/{e.get('EventId')}" == key), None)

    def _show_selected(self) -> None:
        event = self.selected()
        detail = self.query_one("#trail-detail", Static)
        if event is None:
            detail.update("Select an event to see its record.")
            return
        text = Text()
        text.append(f"{visible(event.get('EventName', ''), lines=False)}  "
                    f"{event_time(event)}  {event.get('Region')}\n", style="bold")
        text.append(visible(pretty_record(event)))
        detail.update(text)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in {input_id for input_id, _ in FILTER_INPUTS}:
            self._refresh_table()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in {input_id for input_id, _ in FILTER_INPUTS}:
            event.stop()
            self.applied = self.typed()
            self.set_status(Text(f"reading the events with {self.applied.describe()}…"
                                 if self.applied.describe() else "reading the newest events…"))
            self.poll_now()
            self.query_one(DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#trail-key", Input).focus()

    def action_clear_filter(self) -> None:
        for input_id, _ in FILTER_INPUTS:
            self.query_one(f"#{input_id}", Input).value = ""
        if self.applied != EventFilter():
            self.applied = EventFilter()
            self.poll_now()
        self._refresh_table()

    def action_copy_event(self) -> None:
        event = self.selected()
        if event is None:
            self.notify("No event selected.", severity="warning")
            return
        text = pretty_record(event)
        self.app.copy_to_clipboard(text)
        self.notify(f"{event.get('EventName')}: {len(text.splitlines())} lines",
                    title="Copied the event JSON")
