"""The dashboard's cells and lines as rich Text, built from a ClassView (no Textual here,
so a worker thread builds them while the screen stays responsive).

State is never colour alone: every cell carries an icon or a word too.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text

from labguide.awstime import span
from labguide.tui.dashboard.model import CELL_ICONS, STATUS_ICONS, ClassView, SeatRow
from labguide.tui.panes.base import Col

STATUS_STYLES = {"not joined": "dim", "active": "bold green", "idle": "yellow",
                 "done": "bold cyan", "error": "bold red"}

# Wide: every column. Narrow (80 columns): the last failure, hints and last activity move
# to the line under the table, which describes the seat under the cursor.
WIDE = (
    Col("seat", "Seat", 4), Col("name", "Name", 8, 16),
    Col("status", "Status", 8, 12), Col("step", "Step", 12, 22),
    Col("progress", "Progress", 8, 12), Col("on_step", "On step", 7, 8),
    Col("tries", "Tries", 5, 6), Col("failure", "Last failure", 12, 60, flex=True),
    Col("hints", "Hints", 5, 6), Col("help", "Help", 5, 8), Col("attacker", "Attacker", 8, 9),
    Col("seen", "Seen", 5, 7),
)
NARROW = (
    Col("seat", "#", 3), Col("name", "Name", 5, 7, flex=True),
    Col("status", "Status", 12), Col("step_name", "Step", 10, 15, flex=True),
    Col("bar", "Steps", 7), Col("on_step", "On step", 7), Col("tries", "Tries", 5),
    Col("help", "Help", 7),
)
NARROW_BELOW = 130  # columns: under this the narrow set


def status_cell(row: SeatRow) -> Text:
    return Text(f"{STATUS_ICONS[row.status]} {row.status}", style=STATUS_STYLES[row.status])


def progress_cell(row: SeatRow) -> Text:
    """The bar, then how many steps are done."""
    return bar_cell(row).append(f" {row.steps_done}/{len(row.cells)}")


def bar_cell(row: SeatRow) -> Text:
    """One mark per step: ▰ done, the current one marked (✗ when its checks fail), ▱ to do."""
    text = Text()
    for n, cell in enumerate(row.cells):
        if cell.status == "done":
            text.append("▰", style="green")
        elif n == row.step_index and row.joined:
            text.append("✗" if cell.status == "failing" else "▶",
                        style="bold red" if cell.status == "failing" else "bold")
        else:
            text.append("▱", style="dim")
    return text


def step_cell(row: SeatRow, numbered: bool = True) -> Text:
    if row.status == "done":
        return Text("finished", style="cyan")
    if row.current_step is None or not row.joined:
        return Text("—", style="dim")
    return Text(f"{row.step_index + 1} {row.current_step}" if numbered else row.current_step)


def on_step_cell(row: SeatRow) -> Text:
    if row.on_step is None:
        return Text("—", style="dim")
    if row.slow:  # over the class's 75th percentile for this step
        return Text(f"⚑{span(row.on_step)}", style="bold yellow")
    return Text(span(row.on_step))


def tries_cell(row: SeatRow) -> Text:
    """Check attempts / failures on the current step."""
    cell = row.current
    if cell is None or not cell.attempts:
        return Text("—", style="dim")
    return Text(f"{cell.attempts}/{cell.failures}",
                style="bold red" if cell.status == "failing" else "")


def failure_text(row: SeatRow) -> Text:
    """The current step's last failure: its summary, expected versus observed."""
    cell = row.current
    failure = cell.last_failure if cell and cell.status != "done" else None
    if not failure:  # none, or the step is done since (seen in tmux: a solved step's old one)
        return Text("")
    text = Text(str(failure.get("summary") or "failed"))
    if failure.get("expected") or failure.get("observed"):
        text.append(expected_observed(failure))
    return text


def expected_observed(detail: dict) -> Text:
    """` · expected X · observed Y` of a failure (a step's last, or a timeline event)."""
    return Text.assemble((" · expected ", "dim"), str(detail.get("expected") or "—"),
                         (" · observed ", "dim"), str(detail.get("observed") or "—"))


def hints_cell(row: SeatRow) -> Text:
    if not row.hints and not row.answers_revealed:
        return Text("—", style="dim")
    return Text(f"{row.hints}h {row.answers_revealed}a")


def help_cell(row: SeatRow) -> Text:
    if not row.help:
        return Text("")
    return Text(f"✋{span(row.help_age)}" if row.help_age is not None else "✋",
                style="bold magenta")


def attacker_cell(row: SeatRow) -> Text:
    """Calls the seat's attacker made lately: ✓ allowed, ✗ denied (contained: all denied)."""
    if row.attacker_allowed is None and row.attacker_denied is None:
        return Text("—", style="dim")
    allowed, denied = row.attacker_allowed or 0, row.attacker_denied or 0
    text = Text()
    text.append(f"{allowed}✓", style="bold red" if allowed else "dim")
    text.append(" ")
    text.append(f"{denied}✗", style="green" if denied else "dim")
    return text


def seen_cell(row: SeatRow) -> Text:
    if row.last_seen_age is None:
        return Text("never", style="dim")
    return Text(span(row.last_seen_age), style="yellow" if row.status == "idle" else "")


CELLS = {
    "seat": lambda r: Text(str(r.seat)), "name": lambda r: Text(r.name or "—"),
    "status": status_cell, "step": step_cell, "progress": progress_cell, "bar": bar_cell,
    "step_name": lambda r: step_cell(r, numbered=False),
    "on_step": on_step_cell, "tries": tries_cell, "failure": failure_text,
    "hints": hints_cell, "help": help_cell, "attacker": attacker_cell, "seen": seen_cell,
}


TIMED = frozenset({"status", "on_step", "help", "seen"})  # cells that change with the clock


def seat_rows(rows: list[SeatRow], columns: tuple[Col, ...]) -> list[tuple[str, list[Text]]]:
    return [(str(r.seat), [CELLS[c.key](r) for c in columns]) for r in rows]


class RowTexts:
    """Each seat's table cells, built off the screen's thread. A seat whose status entry
    did not change (model.SeatsSeen hands back the same `cells` list) keeps its cells but
    the few that move with the clock, so a refresh of 200 seats builds a few hundred."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[Any, tuple[Col, ...], list[Text]]] = {}
        self._lock = threading.Lock()  # the poll's worker and a key press may both ask

    def rows(self, rows: list[SeatRow],
             columns: tuple[Col, ...]) -> list[tuple[str, list[Text]]]:
        out = []
        with self._lock:
            for row in rows:
                kept = self._kept.get(row.seat)
                fresh = kept is None or kept[0] is not row.cells or kept[1] != columns
                texts = [_one_line(CELLS[col.key](row)) if fresh or col.key in TIMED
                         else kept[2][n] for n, col in enumerate(columns)]  # type: ignore
                self._kept[row.seat] = (row.cells, columns, texts)
                out.append((str(row.seat), texts))
        return out


def _one_line(text: Text) -> Text:
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def content_widths(rows: list[tuple[str, list[Text]]], columns: tuple[Col, ...]) -> list[int]:
    """Each column's widest cell or label: what the table's widths are fitted to."""
    widths = [len(col.label) for col in columns]
    for _key, texts in rows:
        for n, text in enumerate(texts):
            if text.cell_len > widths[n]:
                widths[n] = text.cell_len
    return widths


def seat_line(row: SeatRow | None, view: ClassView | None) -> Text:
    """The line under the table: the seat under the cursor, whole (what a narrow row cuts)."""
    if row is None:
        return Text("No seat selected.", style="dim")
    text = Text.assemble((f"Seat {row.seat}", "bold"), " ", row.name or "", "  ",
                         status_cell(row))
    if row.flags:
        text.append("  [" + ", ".join(sorted(row.flags)) + "]", style="bold yellow")
    text.append(f"  seen {span(row.last_seen_age)} ago" if row.last_seen_age is not None
                else "  never seen", style="dim")
    text.append(f"  hints {row.hints}, answers shown {row.answers_revealed}", style="dim")
    text.append("  attacker ", style="dim")
    text.append(attacker_cell(row))
    for line in seat_notes(row):
        text.append("\n")
        text.append(line)
    return text


def seat_notes(row: SeatRow) -> list[Text]:
    """What needs the instructor's eye on a seat: its help request, last failure, error."""
    notes = []
    if row.help:
        note = Text("✋ help", style="bold magenta")
        note.append(f" for {span(row.help_age)}" if row.help_age is not None else "")
        if row.help_text:
            note.append(": ")
            note.append(row.help_text)
        notes.append(note)
    failure = failure_text(row)
    if failure:
        notes.append(Text.assemble(("✗ ", "bold red"), failure))
    if row.error:
        notes.append(Text.assemble(("⚠ ", "bold red"), row.error))
    return notes


def header_text(view: ClassView | None, width: int, state: Text) -> Text:
    """The header bar: the class's counts, help, the most failing step, elapsed time."""
    if view is None:
        return Text.assemble(("labguide class", "bold"), "  ", state)
    narrow = width < NARROW_BELOW
    counts = [("seats" if not narrow else "seats", view.provisioned),
              ("joined", view.joined), ("active", view.count("active")),
              ("idle", view.count("idle")), ("done", view.count("done"))]
    if view.count("error"):
        counts.append(("error", view.count("error")))
    top = Text.assemble(("labguide class ", "bold"), (view.scenario, "bold cyan"))
    if view.elapsed is not None:
        top.append(f"  ⏱ {span(view.elapsed)}")
    if view.attackers_paused:
        top.append("  ⏸ attackers paused", style="bold yellow")
    top.append("  ")
    top.append(state)
    line = Text()
    for n, (label, number) in enumerate(counts):
        if n:
            line.append(" · ", style="dim")
        line.append(str(number), style="bold")
        line.append(f" {label}")
    helps = view.help_open
    line.append("  │  " if not narrow else "\n", style="dim")
    if helps:
        line.append(f"✋ {len(helps)} help", style="bold magenta")
        if view.oldest_help is not None:
            line.append(f" (oldest {span(view.oldest_help)})")
    else:
        line.append("✋ 0 help", style="dim")
    worst = view.most_failing
    line.append("  │  ", style="dim")
    if worst:
        line.append("most failing: ", style="dim")
        line.append(f"{worst[0]} ({worst[1]})", style="bold red")
    else:
        line.append("no step failing", style="dim")
    return Text.assemble(top, "\n", line)


GRID_LEGEND = Text.assemble(("✓", "green"), " done  ", ("◐", "bold"), " in progress  ",
                            ("✗", "bold red"), " failing  ", ("○", "dim"), " not started")


def grid_cell(status: str) -> Text:
    styles = {"done": "green", "in-progress": "bold", "failing": "bold red",
              "not-started": "dim"}
    return Text(CELL_ICONS.get(status, "?"), style=styles.get(status, ""))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"
