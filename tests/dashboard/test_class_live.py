"""The dashboard against a real class server on loopback, its seats driven by scripted
participants (answers, hints, a wrong filter, a solved step, a raised hand): the header's
counts, the flags, the grid, a seat's timeline, and every action's effect on the seat."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from labguide.tui.dashboard.app import DashboardApp, DashboardOptions
from tests.classroom.conftest import module_class
from tests.dashboard.participants import Participant
from tests.tui.helpers import wait_until as _wait_until

NAMES = ["Ada", "Bo", "Cy", "Di", "Ed"]


async def wait_until(pilot, predicate, what, timeout: float = 90.0) -> None:
    """The helpers' wait, with room for a loaded machine (server rounds take seconds)."""
    await _wait_until(pilot, predicate, what, timeout=max(timeout, 90.0))


klass = module_class(5)


@pytest.fixture(scope="module")
def seats(klass, loaded):
    """Seat 1-3 joined and working, seat 4 joined and then silent, seat 5 never joined."""
    people = {n: Participant(klass, n, loaded) for n in range(1, 6)}
    for n in range(1, 5):
        people[n].join(NAMES[n - 1])
    return people


def dashboard(klass, **kw) -> DashboardApp:
    token = klass.token_file.read_text().strip()
    kw.setdefault("interval", 0.3)
    return DashboardApp(DashboardOptions(url=klass.server.public_url, token=token,
                                         token_file=str(klass.token_file), **kw))


def row_of(app, seat: int):
    view = app.screen.view
    return view.seat(seat) if view else None


def header(app) -> str:
    return str(app.screen.query_one("#class-header").render())


async def test_counts_flags_grid_and_timeline(klass, seats, loaded):
    from labguide.tui.dashboard.seat import SeatScreen

    ada, bo, cy, di = seats[1], seats[2], seats[3], seats[4]
    for person in (ada, bo, cy, di):
        person.open_step("alert")
    ada.hint("alert", "finding-type")
    ada.answer("alert", "finding-type", "Recon:IAMUser/MaliciousIPCaller.Custom", False)
    app = dashboard(klass, idle_after=timedelta(seconds=4))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.screen.view is not None, "the first status")
        assert "5 seats" in header(app) and "4 joined" in header(app)
        assert row_of(app, 5).status == "not joined"
        # Bo saves a filter on the wrong key: the server's own round marks the step failing.
        bo.answer_right("alert")
        bo.open_step("filter-key")
        bo.wrong_filter()
        await wait_until(pilot, lambda: "failing" in row_of(app, 2).flags, "Bo failing",
                         timeout=60)
        assert app.screen.view.steps[1].failing == 1 and "most failing: " in header(app)
        assert row_of(app, 2).current.failures >= 1
        assert "filter" in (row_of(app, 2).current.last_failure or {}).get("summary", "")
        # Cy raises a hand with a line of text.
        cy.help("which key do I filter on?")
        await wait_until(pilot, lambda: "help" in row_of(app, 3).flags, "Cy's hand")
        assert "✋ 1 help" in header(app)
        assert row_of(app, 3).help_text == "which key do I filter on?"
        # Ada solves filter-key with her own keys: done by the server's checks.
        ada.answer_right("alert")
        ada.open_step("filter-key")
        ada.solve("filter-key")
        await wait_until(pilot, lambda: row_of(app, 1).cells[1].status == "done",
                         "Ada's filter-key done", timeout=60)
        assert row_of(app, 1).hints >= 1
        # Di said nothing since joining: idle (the others report again meanwhile).
        await wait_until(pilot, lambda: row_of(app, 4).status == "idle", "Di idle")
        ada.open_step("identify-principal")
        await wait_until(pilot, lambda: row_of(app, 1).status == "active", "Ada active")
        # The grid: per-step completion and failing cells.
        await pilot.press("g")
        grid = app.screen.query_one("#grid")
        await wait_until(pilot, lambda: str(grid.get_row("2")[3]) == "✗", "Bo's ✗ in the grid")
        assert str(grid.get_row("1")[3]) == "✓"
        stats = app.screen.query_one("#step-stats")
        assert str(stats.get_row("filter-key")[2]).startswith("1/5 20%")
        # Ada's timeline: her hint, her typed answer, her step.
        await pilot.press("g")
        await pilot.press("enter")  # seat 1 under the cursor
        await wait_until(pilot, lambda: isinstance(app.screen, SeatScreen)
                         and app.screen.detail, "Ada's seat")
        timeline = app.screen.query_one("#timeline")
        await wait_until(pilot, lambda: timeline.row_count >= 4, "the timeline")
        text = " ".join(str(c) for row in timeline.ordered_rows for c in timeline.get_row(row.key))
        assert "hint" in text and "MaliciousIPCaller" in text and "step done" in text


async def test_stuck_is_over_the_class_p75(klass, seats):
    """Four seats finish alert quickly; Di stays on it: over the 75th percentile -> stuck
    (the least time on a step that counts, 2 minutes in a class, is 0 here)."""
    app = dashboard(klass, stuck_after=timedelta(0))
    async with app.run_test(size=(160, 48)) as pilot:
        di = seats[4]
        di.open_step("alert")
        seats[3].answer_right("alert")
        await wait_until(pilot, lambda: app.screen.view is not None
                         and app.screen.view.steps[0].done >= 3, "alert done by three",
                         timeout=60)
        await wait_until(pilot, lambda: "stuck" in row_of(app, 4).flags, "Di stuck",
                         timeout=60)
        cell = app.screen.query_one("#seat-table").get_row("4")
        assert any(str(c).startswith("⚑") for c in cell)


async def _act(pilot, app, key: str, seat: int | None = None, *,
               names: str | None = None) -> None:
    """Choose the action `key` on `seat`, check the dialog names `names` (the step it acts
    on, read fresh from the server), confirm, and wait for the server's answer."""
    from labguide.tui.screens.modals import ConfirmModal

    if seat is not None:
        table = app.screen.query_one("#seat-table")
        table.move_cursor(row=table.get_row_index(str(seat)))
    done = len(app.actions_done)
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), f"confirm {key}")
    if names is not None:
        assert names in app.screen.body, app.screen.body
    await pilot.click("#confirm")
    await wait_until(pilot, lambda: len(app.actions_done) > done, f"{key} done")
    request, error = app.actions_done[-1]
    assert error is None, error


async def test_every_action_is_seen_on_the_seat(klass, seats, tmp_path):
    from labguide.tui.screens.modals import PromptModal

    app = dashboard(klass, export_dir=tmp_path)
    bo, cy = seats[2], seats[3]
    # Bo is on filter-key (alert done), whether or not the tests above ran first.
    bo.answer_right("alert")
    bo.open_step("filter-key")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.screen.view is not None, "the first status")
        await wait_until(pilot, lambda: row_of(app, 2).current_step == "filter-key"
                         and row_of(app, 2).cells[0].status == "done", "Bo on filter-key")
        # mark help answered: Cy's hand goes down
        cy.help("still stuck")
        await wait_until(pilot, lambda: row_of(app, 3).help, "Cy's hand")
        await _act(pilot, app, "a", 3)
        await wait_until(pilot, lambda: not row_of(app, 3).help, "hand down")
        # push the next hint: Bo gets it as a message, his hint count grows
        hints = row_of(app, 2).hints
        await _act(pilot, app, "h", 2)
        await wait_until(pilot, lambda: row_of(app, 2).hints > hints, "hint counted")
        assert any(m.get("kind") == "hint" for m in bo.messages())
        # send a message: only Bo gets it
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "prompt")
        await pilot.press(*"the key is in the finding", "enter")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: any(m["text"] == "the key is in the finding"
                                            for m in bo.messages()), "Bo's message")
        assert not any(m["text"] == "the key is in the finding" for m in cy.messages())
        # broadcast: everyone
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "prompt")
        await pilot.press(*"ten minutes left", "enter")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: all(any(m["text"] == "ten minutes left"
                                                for m in p.messages())
                                            for p in (bo, cy)), "the broadcast")
        # solve Bo's current step: done
        await _act(pilot, app, "v", 2, names="step filter-key")
        await wait_until(pilot, lambda: row_of(app, 2).cells[1].status == "done",
                         "Bo's filter-key solved", timeout=60)
        # run checks now: a change to Ed's account the server did not see (made with its
        # checker's own mark: no journal entry, no after-write round) shows after a round
        def ed_filter_done():
            steps = {s["id"]: s for s in app.client.status()["seats"][4]["steps"]}
            return steps["filter-key"]["status"] == "done"

        guardduty = klass.room.target(5).client("guardduty")
        guardduty.create_filter(
            DetectorId=guardduty.list_detectors()["DetectorIds"][0], Name="stolen",
            FindingCriteria={"Criterion": {"resource.accessKeyDetails.accessKeyId": {
                "Eq": [klass.room.worlds.world(5).truth.stolen_access_key_id]}}})
        assert not ed_filter_done()
        await _act(pilot, app, "c", 5)
        await wait_until(pilot, ed_filter_done, "Ed's checks run", timeout=60)
        # reset Bo's step: filter-key open again, its filter gone from the account
        table = app.screen.query_one("#seat-table")
        bo.open_step("filter-key")
        await wait_until(pilot, lambda: row_of(app, 2).current_step == "filter-key", "Bo back")
        await _act(pilot, app, "r", 2, names="step filter-key")
        await wait_until(pilot, lambda: row_of(app, 2).cells[1].status != "done",
                         "filter-key open again", timeout=60)
        filters = bo.target.client("guardduty").list_filters(
            DetectorId=bo.target.client("guardduty").list_detectors()["DetectorIds"][0])
        assert filters["FilterNames"] == []
        # reset Cy's seat: nothing done any more
        await _act(pilot, app, "R", 3)
        await wait_until(pilot, lambda: row_of(app, 3).steps_done == 0, "Cy reset",
                         timeout=60)
        # pause, then resume the attackers: the header says so
        await _act(pilot, app, "p")
        await wait_until(pilot, lambda: "attackers paused" in header(app), "paused")
        await _act(pilot, app, "P")
        await wait_until(pilot, lambda: "attackers paused" not in header(app), "resumed")
        # export: one row per seat and step
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "export prompt")
        app.screen.query_one("#prompt-input").value = str(tmp_path / "class.json")
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "class.json").exists(), "the export")
        rows = json.loads((tmp_path / "class.json").read_text())["rows"]
        assert len(rows) == 5 * 7
        assert table.row_count == 5


async def test_a_seats_writes_failures_and_panes_as_the_instructor_reads_them(klass, seats):
    """Di works on the AWS CLI: her filter on the wrong key is on her timeline as the CLI
    line, the server's counted attempt with expected/observed, and in the table; her seat's
    attacker pane lists her attacker's calls and her shell pane the command she ran, with
    its output, read-only."""
    from labguide.tui.dashboard.seat import SeatScreen
    from labguide.tui.dashboard.seat_panes import SeatAttackerPane, SeatShellPane

    di = seats[4]
    di.answer_right("alert")
    di.open_step("filter-key")
    di.wrong_filter("di-wrong-key")
    assert "uid=" in di.shell("id")
    app = dashboard(klass)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.screen.view is not None
                         and "failing" in row_of(app, 4).flags, "Di failing", timeout=60)
        failure = row_of(app, 4).current.last_failure
        assert failure["expected"] and failure["observed"], failure
        cell = str(app.screen.query_one("#seat-table").get_row("4")[7])
        assert "expected" in cell and "observed" in cell, cell
        table = app.screen.query_one("#seat-table")
        table.move_cursor(row=table.get_row_index("4"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SeatScreen)
                         and app.screen.detail, "Di's seat")
        screen = app.screen
        timeline = screen.query_one("#timeline")

        def timeline_text() -> str:
            return " ".join(str(c) for row in timeline.ordered_rows
                            for c in timeline.get_row(row.key))

        await wait_until(pilot, lambda: "aws guardduty create-filter" in timeline_text(),
                         "the write on the timeline")
        text = timeline_text()
        assert "--name di-wrong-key" in text and "check-failed" in text and "expected" in text
        assert "aws ssm send-command" in text and "--parameters ****" in text
        assert di.target.credentials.secret_access_key not in text
        tabs = screen.query_one("#seat-tabs")
        await wait_until(pilot, lambda: screen.query(SeatShellPane), "the seat's panes")
        tabs.active = "tab-pane-attacker"
        attacker = screen.query_one(SeatAttackerPane)
        await wait_until(pilot, lambda: attacker.loaded, "the attacker's calls")
        calls = app.client.seat_view(4)["calls"]
        assert screen.query_one("#attacker-table").row_count == min(len(calls), 50)
        tabs.active = "tab-pane-shell"
        shell = screen.query_one(SeatShellPane)
        await wait_until(pilot, lambda: shell.loaded and shell.shown, "Di's Run Command history")
        assert any(lines == ("id",) and "uid=" in output
                   for _at, lines, _status, output, _checks in shell.shown), shell.shown
