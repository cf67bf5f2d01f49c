"""`GET /class/status` from the status cache: the same answer as the status built from the
state at that moment, rebuilt for the seats whose rows changed (by any process), and
with what changes with time alone (now, the attacker's window) made at every poll."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from labguide.classroom.state import SCHEMA_VERSION, ClassState, SeatRecord
from labguide.classroom.status_cache import StatusCache
from tests.classroom.conftest import call, serve, token_of


@pytest.fixture(scope="module")
def served(loaded, tmp_path_factory):
    server = serve(loaded, tmp_path_factory.mktemp("status-cache"), seats=2)
    server.server.paused = True  # no attacker round between a test's two reads
    # ... nor a background check round: the after-write round of a test's own writes
    # landed there on a loaded machine (the tests run the rounds they need themselves)
    server.room.stop()
    try:
        yield server
    finally:
        server.stop()


def _same_as_built(served, board: bool = False) -> dict:
    """The status the API answers, checked against one built from the state now."""
    status, answer = call(served, "GET", "/class/status" + ("?view=board" if board else ""),
                          token=token_of(served))
    assert status == 200
    built = served.room.status(board=board)
    assert answer.pop("now") and built.pop("now")
    assert answer == built
    return answer


def _code(served, seat: int) -> str:
    return served.state.seats()[seat - 1].join_code


def test_the_cached_status_follows_every_kind_of_change(served):
    for board in (False, True):
        _same_as_built(served, board)
    one = _code(served, 1)
    call(served, "POST", "/class/join", {"code": one, "name": "Ada"})
    assert _same_as_built(served)["seats"][0]["name"] == "Ada"
    call(served, "POST", "/class/report", {"events": [
        {"kind": "step", "step": "alert"},
        {"kind": "hint", "step": "alert", "question": "finding-type"},
        {"kind": "help", "on": True, "text": "stuck"}]}, token=one)
    seat = _same_as_built(served)["seats"][0]
    assert seat["help"] and seat["steps"][0]["hints"] == 1
    assert _same_as_built(served, board=True)["seats"][0]["steps"][0]["hints"] == 1
    call(served, "POST", "/class/answer", {"question": "finding-type", "value": "wrong"},
         token=one)
    seat = _same_as_built(served)["seats"][0]
    assert seat["answers"][-1]["value"] == "wrong" and seat["steps"][0]["status"] == "failing"
    served.room.solve(2, "alert")
    served.room.check_seat(2)
    assert _same_as_built(served)["seats"][1]["steps"][0]["status"] == "done"
    served.room.reset(2)
    assert _same_as_built(served)["seats"][1]["steps"][0]["status"] != "done"


def test_only_the_seats_that_changed_are_rebuilt(served):
    cache = served.room.status_cache
    _same_as_built(served)
    before = cache.rebuilt
    _same_as_built(served)
    assert cache.rebuilt == before  # nothing changed: nothing rebuilt
    call(served, "POST", "/class/report", {"events": [{"kind": "step", "step": "alert"}]},
         token=_code(served, 2))
    _same_as_built(served)
    assert cache.rebuilt == before + 1  # seat 2's part only


def test_a_check_round_that_finds_nothing_new_writes_nothing(served):
    # seat 2: no standing failure (a failing step's last_failure_at moves every round)
    served.room.check_seat(2)
    versions = served.state.seat_versions()
    served.room.check_seat(2)
    assert served.state.seat_versions() == versions
    world = served.room.worlds.world(2)
    guardduty = served.room.target(2).client("guardduty")
    detector = guardduty.list_detectors()["DetectorIds"][0]
    guardduty.create_filter(DetectorId=detector, Name="stolen", FindingCriteria={
        "Criterion": {"resource.accessKeyDetails.accessKeyId": {
            "Eq": [world.truth.stolen_access_key_id]}}})
    served.room.check_seat(2)
    assert served.state.seat_versions()[2] > versions[2]  # a change is written
    steps = {s["id"]: s for s in _same_as_built(served)["seats"][1]["steps"]}
    assert steps["filter-key"]["status"] == "done"


def test_the_attacker_s_world_moving_on_is_seen_without_any_write(served):
    world = served.room.worlds.world(2)
    before = _same_as_built(served)["seats"][1]["attacker"]
    versions = served.state.seat_versions()
    world.advance(4 * 120)  # four attacker rounds on the world's clock
    after = _same_as_built(served)["seats"][1]["attacker"]
    assert served.state.seat_versions() == versions
    assert after["calls"] > before["calls"] and after["last_call_at"] != before["last_call_at"]


def _call(at: datetime, allowed: bool = True):
    return SimpleNamespace(at=at, allowed=allowed)


class _Attacker:
    def __init__(self, calls):
        self.calls = calls

    def recent_calls(self):
        return list(self.calls)

    def latest_call(self):
        return self.calls[-1] if self.calls else None


def test_an_attacker_summary_is_kept_only_while_its_window_holds():
    start = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    clock = SimpleNamespace(moment=start)
    calls = [_call(start - timedelta(minutes=9)), _call(start - timedelta(minutes=1), False)]
    world = SimpleNamespace(attacker=_Attacker(calls), clock=SimpleNamespace(
        now=lambda: clock.moment))
    cache = StatusCache(SimpleNamespace())
    summary = json.loads(cache._attacker(1, world))
    assert (summary["allowed"], summary["denied"], summary["calls"]) == (1, 1, 2)
    clock.moment = start + timedelta(minutes=1)  # the window's oldest call: still in
    assert json.loads(cache._attacker(1, world))["allowed"] == 1
    clock.moment = start + timedelta(minutes=1, seconds=1)  # ... and now out, no new call
    summary = json.loads(cache._attacker(1, world))
    assert (summary["allowed"], summary["denied"]) == (0, 1)
    calls.append(_call(clock.moment))  # a new call
    summary = json.loads(cache._attacker(1, world))
    assert (summary["allowed"], summary["calls"]) == (1, 3)
    clock.moment = start + timedelta(hours=1)
    summary = json.loads(cache._attacker(1, world))
    assert (summary["allowed"], summary["denied"], summary["calls"]) == (0, 0, 3)


def test_seat_versions_move_with_every_change_seen_by_another_connection(tmp_path):
    writer, reader = ClassState(tmp_path), ClassState(tmp_path)  # two processes' views
    try:
        record = SeatRecord(seat=1, name="a", email="", join_code="AAAA-AAAA",
                            account_id="000000000001", access_key_id="AKIA1", seed=1,
                            secret_access_key="s", epoch=None, worker=0, endpoint_url="")
        writer.add_seat(record, ["alert", "review"])
        seen = reader.seat_versions()[1]
        for change in (lambda: writer.update_seat(1, last_seen="now"),
                       lambda: writer.update_step(1, "alert", hints=2),
                       lambda: writer.add_answer(1, "alert", "q", "v", True, "app"),
                       lambda: writer.delete_answers(1, ["alert"])):
            change()
            assert reader.seat_versions()[1] > seen
            seen = reader.seat_versions()[1]
        writer.add_event(1, "joined")  # events are not in the status
        assert reader.seat_versions()[1] == seen
    finally:
        writer.close()
        reader.close()


def test_a_schema_2_state_gains_seat_versions(tmp_path):
    db = sqlite3.connect(tmp_path / "class.sqlite3")
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '2');
        CREATE TABLE seats (
            seat INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL DEFAULT '',
            join_code TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL UNIQUE,
            access_key_id TEXT NOT NULL, secret_access_key TEXT NOT NULL,
            seed INTEGER NOT NULL, epoch TEXT, worker INTEGER NOT NULL DEFAULT 0,
            endpoint_url TEXT NOT NULL DEFAULT '', joined_at TEXT, last_seen TEXT,
            current_step TEXT, help INTEGER NOT NULL DEFAULT 0,
            help_text TEXT NOT NULL DEFAULT '', help_since TEXT,
            error TEXT NOT NULL DEFAULT '', message_cursor INTEGER NOT NULL DEFAULT 0,
            attacker TEXT NOT NULL DEFAULT '{}');
        INSERT INTO seats (seat, name, join_code, account_id, access_key_id,
            secret_access_key, seed) VALUES (1, 'a', 'AAAA-AAAA', '1', 'AKIA1', 's', 1);
    """)
    db.close()
    state = ClassState(tmp_path)
    try:
        assert state.meta("schema_version") == str(SCHEMA_VERSION)
        assert state.seat_versions() == {1: 0}
        state.update_seat(1, name="b")
        assert state.seat_versions() == {1: 1}
    finally:
        state.close()
