"""The dashboard on recorded class status JSON, over real HTTP on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from labguide.tui.dashboard.app import DashboardApp, DashboardOptions
from tests.dashboard.recorded import RecordedClass
from tests.tui.helpers import wait_until

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def recorded():
    server = RecordedClass()
    yield server
    server.close()


def app_for(server, **kw):
    kw.setdefault("interval", 0.2)
    return DashboardApp(DashboardOptions(url=server.url, token=server.token,
                                         token_file="/tmp/t.token", clock=lambda: NOW, **kw))


async def test_board_shows_counts_and_flags(recorded):
    app = app_for(recorded)
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        header = str(board.query_one("#class-header").render())
        print(header)
        assert "5 seats" in header and "4 joined" in header
        assert recorded.status_queries[0] == "view=board"  # the lean status
        table = board.query_one("#seat-table")
        print([str(c) for c in table.get_row("2")])


async def test_seat_panes_read_the_account_through_the_class_api(frozen_sim):
    from labguide.checks.context import Memo, RoundContext
    from labguide.checks.facts import discover
    from labguide.scenario import load_scenario
    from labguide.tui.dashboard.seat import SeatScreen
    from labguide.tui.dashboard.seat_panes import SeatAttackerPane, SeatShellPane
    from labguide.tui.panes.findings import FindingsPane
    from labguide.tui.panes.instance import InstancePane

    target = frozen_sim.target
    scenario = load_scenario("compromised-iam-credentials").scenario
    facts = {n: f.value for n, f in discover(target, scenario.facts, ctx=RoundContext(
        target=target, memo=Memo())).all().items()}
    calls = [{"at": "2026-03-01T09:59:00Z", "service": "s3", "api": "ListBuckets",
              "allowed": True, "error_code": None},
             {"at": "2026-03-01T09:59:30Z", "service": "iam", "api": "ListUsers",
              "allowed": False, "error_code": "AccessDenied"}]
    server = RecordedClass(account=target, facts=facts, calls=calls)
    try:
        app = app_for(server)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(pilot, lambda: app.screen.view is not None, "the first status")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, SeatScreen), "seat screen")
            screen = app.screen
            await wait_until(pilot, lambda: screen.query(FindingsPane), "the seat's panes")
            tabs = screen.query_one("#seat-tabs")
            # Only a pane on screen polls (labguide.tui.panes.base): show each one's tab.
            for name, kind in (("findings", FindingsPane), ("instance", InstancePane),
                               ("attacker", SeatAttackerPane), ("shell", SeatShellPane)):
                pane = screen.query_one(kind)
                tabs.active = f"tab-pane-{name}"
                await wait_until(pilot, lambda p=pane: p.loaded and p.last_data, f"{name} read")
                assert not pane.has_class("error"), name
            instance_text = str(screen.query_one(InstancePane).query_one("#instance-detail")
                                .render())
            assert "running" in instance_text
            assert "stops the instance" not in instance_text  # no keys here to say so
            attacker = screen.query_one("#attacker-table")
            assert attacker.row_count == 2
            assert "denied AccessDenied" in " ".join(str(c) for c in attacker.get_row_at(0))
            shell = screen.query_one(SeatShellPane)
            assert shell.last_data[0] == facts["instance_id"]  # its history, read-only
            assert shell.shown == ()  # nothing run there yet, and it says so
            assert "No command has been run" in "".join(
                str(line.text) for line in screen.query_one("#shell-log").lines)
            assert not screen.query("#shell-input")  # nothing to type a command into
            assert not [p for p, _ in server.posts]  # reads only: nothing posted
    finally:
        server.close()


def shown_seats(board) -> list[str]:
    table = board.query_one("#seat-table")
    return [row.key.value for row in table.ordered_rows]


async def test_sort_and_filters(recorded):
    app = app_for(recorded)
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        assert shown_seats(board) == ["1", "2", "3", "4", "5"]
        await pilot.press("s")  # help first, oldest first
        assert shown_seats(board)[0] == "1"
        await pilot.press("s")  # status: error, idle, active, not joined, done
        assert shown_seats(board) == ["2", "1", "3", "4", "5"]
        await pilot.press("f")  # flag filter: help
        assert shown_seats(board) == ["1"]
        await pilot.press("f")  # failing
        assert shown_seats(board) == ["1", "4"]
        await pilot.press("f")  # stuck (over the step's p75 in this class)
        assert shown_seats(board) == ["2"]
        await pilot.press("escape")
        await pilot.press("slash")
        await pilot.press(*"chen")
        assert shown_seats(board) == ["3"]
        await pilot.press("enter", "escape")
        assert len(shown_seats(board)) == 5


async def test_each_action_asks_shows_its_command_line_and_posts(recorded):
    from labguide.tui.screens.modals import ConfirmModal, PromptModal

    app = app_for(recorded)
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        await pilot.press("down")  # seat 2, on filter-key
        expected = {
            "c": ("/class/check", {"seat": 2},
                  f"labguide class check {recorded.url} --seat 2 --token-file /tmp/t.token"),
            "h": ("/class/hint", {"seat": 2}, f"class hint {recorded.url} --seat 2"),
            "v": ("/class/solve", {"seat": 2, "step": "filter-key"},
                  f"class solve {recorded.url} --seat 2 --step filter-key"),
            "r": ("/class/reset", {"seat": 2, "step": "filter-key"},
                  f"class reset {recorded.url} --seat 2 --step filter-key"),
            "R": ("/class/reset", {"seat": 2}, f"class reset {recorded.url} --seat 2 --token-file"),
            "a": ("/class/help-answered", {"seat": 2},
                  f"class help-answered {recorded.url} --seat 2"),
            "p": ("/class/attackers", {"paused": True}, f"class attackers {recorded.url} pause"),
            "P": ("/class/attackers", {"paused": False}, f"class attackers {recorded.url} resume"),
        }
        for key, (path, body, cli) in expected.items():
            before = len(recorded.posts)
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), key)
            assert cli in app.screen.body
            await pilot.click("#confirm")
            await wait_until(pilot, lambda n=before: len(recorded.posts) > n, f"{key} posted")
            assert recorded.posts[-1] == (path, body)
            await wait_until(pilot, lambda: app.screen is board, "back on the board")
        # A cancelled action sends nothing; Cancel has the focus, so an Enter cancels.
        before = len(recorded.posts)
        for key in ("escape", "enter"):
            await pilot.press("R")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "confirm")
            assert app.focused.id == "cancel"
            assert "Enter cancels" in app.screen.body
            await pilot.press(key)
            await wait_until(pilot, lambda: app.screen is board, "back on the board")
            await pilot.pause()
            assert len(recorded.posts) == before, key
        # Tab, then Enter: the action (the keyboard way the dialog names).
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "confirm")
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: len(recorded.posts) > before, "posted by the keyboard")
        assert recorded.posts[-1] == ("/class/help-answered", {"seat": 2})
        # Message and broadcast ask for their text first.
        for key, body in (("m", {"text": "look at the role's policies", "seat": 2}),
                          ("b", {"text": "look at the role's policies"})):
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "prompt")
            await pilot.press(*"look at the role's policies", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "confirm")
            assert "labguide class message" in app.screen.body
            await pilot.click("#confirm")
            await wait_until(pilot, lambda b=body: recorded.posts[-1] == ("/class/message", b),
                             f"{key} posted")


async def test_a_step_action_names_the_step_read_now_not_the_one_shown(recorded):
    """The participant moved on since the board's last refresh: the dialog names the step
    the seat is on now (read from the server when the key is pressed), says the board
    showed another, and the action goes out for the step named."""
    from labguide.tui.screens.modals import ConfirmModal

    app = app_for(recorded, interval=3600)  # the board keeps its first view
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        await pilot.press("down")  # seat 2, shown on filter-key
        assert board.selected_row().current_step == "filter-key"
        recorded.status["seats"][1]["current_step"] = "identify-principal"
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "confirm")
        body = app.screen.body
        assert "now on step identify-principal" in body and "showed filter-key" in body
        assert "--step identify-principal" in body
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: recorded.posts, "posted")
        assert recorded.posts[-1] == ("/class/solve", {"seat": 2, "step": "identify-principal"})


async def test_a_step_action_sends_nothing_when_the_step_cannot_be_read(recorded):
    from labguide.tui.screens.modals import ConfirmModal

    app = app_for(recorded, interval=3600)
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        recorded.close()
        await pilot.press("r")
        await wait_until(pilot, lambda: app.actions_refused, "refused")
        assert not isinstance(app.screen, ConfirmModal) and not recorded.posts


async def test_a_refresh_rebuilds_only_the_seats_that_changed(recorded):
    """One seat's entry changes between two refreshes (the clock stands still): that seat
    alone is parsed again and only its changed cells are touched on screen; the grid is
    not built while it is hidden, and is there as soon as it is shown."""
    app = app_for(recorded)
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        table = board.query_one("#seat-table")
        known = board._known
        assert known.parsed == 5
        await wait_until(pilot, lambda: len(board.refresh_times) >= 3, "more refreshes")
        assert known.parsed == 5 and table.updated_cells == 0  # nothing changed: nothing built
        assert board.query_one("#grid").row_count == 0  # hidden: never built
        seat = recorded.status["seats"][2]
        seat["name"] = "Chen renamed"
        refreshes = len(board.refresh_times)
        await wait_until(pilot, lambda: len(board.refresh_times) > refreshes + 1, "a refresh")
        assert known.parsed == 6
        assert str(table.get_row("3")[1]) == "Chen renamed"
        await pilot.press("g")
        assert board.query_one("#grid").row_count == 5
        assert str(board.query_one("#grid").get_row("3")[1]) == "Chen renamed"


async def test_export_writes_the_file(recorded, tmp_path):
    from labguide.tui.screens.modals import PromptModal

    app = app_for(recorded, export_dir=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.screen.view is not None, "the first status")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "prompt")
        field = app.screen.query_one("#prompt-input")
        field.value = str(tmp_path / "class.json")
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "class.json").exists(), "the export file")
        assert (tmp_path / "class.json").read_text() == '{"rows": []}'


async def test_server_gone_shows_and_recovers(recorded):
    app = app_for(recorded)
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        port = int(recorded.url.rsplit(":", 1)[1])
        recorded.close()
        await wait_until(pilot, lambda: board.error, "the server seen gone")
        header = str(board.query_one("#class-header").render())
        assert "not running" in header or "cannot reach" in header
        assert board.has_class("-stale") and shown_seats(board)  # last view kept, dimmed
        again = RecordedClass.on_port(port)
        try:
            await wait_until(pilot, lambda: board.error is None, "recovered by itself")
            assert "● live" in str(board.query_one("#class-header").render())
            assert not board.has_class("-stale")
        finally:
            again.close()


async def test_server_strings_are_text_not_markup(recorded):
    app = app_for(recorded)
    async with app.run_test(size=(160, 48)) as pilot:
        board = app.screen
        await wait_until(pilot, lambda: board.view is not None, "the first status")
        name = board.query_one("#seat-table").get_row("2")[1]
        assert str(name) == "Ben [bold]x[/]"


def test_every_action_line_is_a_command_that_parses():
    """The command line shown with each action is one the CLI accepts, meaning the same."""
    import shlex

    from labguide.cli import build_parser
    from labguide.tui.dashboard.actions import ACTIONS, Request

    parser = build_parser()
    for action in ACTIONS:
        request = Request(action, 3, "Ada", "filter-key", "a message") \
            if action.scope == "seat" else Request(action, text="a message")
        args = parser.parse_args(shlex.split(request.cli("http://h:1", "/t"))[1:])
        assert args.url == "http://h:1" and args.token_file == "/t", action.id
        assert getattr(args, "seat", None) == (3 if action.scope == "seat" else None), action.id
        if action.needs_text:
            assert args.text == "a message"
        if action.needs_step and action.id != "hint":
            assert args.step == "filter-key"
