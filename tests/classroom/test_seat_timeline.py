"""What the server itself puts on a seat's timeline: each write the seat made (as an AWS CLI
line, no secret on it) and each failed attempt its own checks counted (summary, expected,
observed); and the step's last failure with expected/observed in the class status."""

from __future__ import annotations

import json
import sqlite3

from labguide.classroom.state import SCHEMA_VERSION, ClassState
from tests.classroom.conftest import call, module_class, seat_client, token_of

served = module_class(2, "timeline")


def _join(served, seat: int) -> dict:
    code = served.state.seats()[seat - 1].join_code
    status, joined = call(served, "POST", "/class/join", {"code": code, "name": f"P{seat}"})
    assert status == 200, joined
    joined["code"] = code
    return joined


def _events(served, seat: int, kind: str) -> list[dict]:
    _, detail = call(served, "GET", f"/class/seats/{seat}", token=token_of(served))
    return [e for e in detail["events"] if e["kind"] == kind]


def test_a_cli_write_and_the_failed_attempt_it_was(served):
    one = _join(served, 1)
    # on filter-key (alert answered on the server, as `labguide answer` does)
    truth = served.room.worlds.world(1).truth
    for question, value in (("finding-type",
                             "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"),
                            ("access-key", truth.stolen_access_key_id)):
        assert call(served, "POST", "/class/answer", {"question": question, "value": value},
                    token=one["code"])[1]["correct"]
    guardduty = seat_client(one, "guardduty")
    detector = guardduty.list_detectors()["DetectorIds"][0]
    guardduty.create_filter(DetectorId=detector, Name="wrong-key", FindingCriteria={
        "Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": ["ASIAWRONGWRONGWRONG1"]}}})
    served.room.check_seat(1)  # the round a write brings (the scheduler's may come first)

    writes = _events(served, 1, "aws-write")
    assert [w["cli"] for w in writes] == [
        f"aws guardduty create-filter --detector-id {detector} --name wrong-key "
        "--finding-criteria '{\"Criterion\":{\"resource.accessKeyDetails.accessKeyId\":"
        "{\"Eq\":[\"ASIA…ONG1\"]}}}'"]
    assert writes[0]["summary"] == "guardduty:CreateFilter"
    failed = _events(served, 1, "check-failed")
    assert failed and failed[-1]["step"] == "filter-key"
    assert failed[-1]["expected"] and failed[-1]["observed"], failed[-1]
    _, board = call(served, "GET", "/class/status", token=token_of(served))
    step = {s["id"]: s for s in board["seats"][0]["steps"]}["filter-key"]
    assert step["status"] == "failing" and isinstance(step["last_failure"], str)
    detail = step["last_failure_detail"]
    assert detail["summary"] == step["last_failure"] and detail["at"]
    assert (detail["expected"], detail["observed"]) == (failed[-1]["expected"],
                                                      failed[-1]["observed"])
    _, detail_of_seat = call(served, "GET", "/class/seats/1", token=token_of(served))
    checks = {s["id"]: s for s in detail_of_seat["checks"]}["filter-key"]["checks"]
    assert {"expected", "observed"} <= set(checks[0])  # the seat's detail has them all
    # The timeline holds no secret of the seat.
    everything = json.dumps(call(served, "GET", "/class/seats/1", token=token_of(served))[1])
    assert one["secret_access_key"] not in everything


def test_reads_the_servers_checks_and_the_instructors_view_are_not_writes(served):
    two = _join(served, 2)
    seat_client(two, "guardduty").list_detectors()
    served.room.check_seat(2)
    status, _ = call(served, "POST", "/class/aws", {"seat": 2, "service": "iam",
                                                     "operation": "ListRoles", "params": {}},
                     token=token_of(served))
    assert status == 200
    assert _events(served, 2, "aws-write") == []
    assert _events(served, 2, "check-failed") == []  # no attempt: nothing was tried


def test_a_wrong_answer_says_what_was_expected(served):
    one = served.state.seats()[0].join_code
    call(served, "POST", "/class/answer", {"question": "principal", "value": "not-the-role"},
         token=one)
    _, board = call(served, "GET", "/class/status", token=token_of(served))
    step = {s["id"]: s for s in board["seats"][0]["steps"]}["identify-principal"]
    detail = step["last_failure_detail"]
    assert detail["observed"] == "not-the-role"
    assert "read from the account" in detail["expected"]


def test_a_schema_1_state_gains_the_new_column(tmp_path):
    db = sqlite3.connect(tmp_path / "class.sqlite3")
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE steps (seat INTEGER NOT NULL, step TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
            hints INTEGER NOT NULL DEFAULT 0, answers_revealed INTEGER NOT NULL DEFAULT 0,
            started_at TEXT, done_at TEXT, last_failure TEXT, last_failure_at TEXT,
            checks TEXT NOT NULL DEFAULT '[]', passing INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (seat, step));
        INSERT INTO steps (seat, step, last_failure) VALUES (1, 'alert', 'old failure');
    """)
    db.close()
    state = ClassState(tmp_path)
    try:
        assert state.meta("schema_version") == str(SCHEMA_VERSION)
        assert state.steps(1)[0]["last_failure_detail"] == "{}"
        assert state.steps(1)[0]["last_failure"] == "old failure"
    finally:
        state.close()


def test_seat_view_gives_the_instructor_the_panes_facts_and_attacker_calls(served):
    two = served.state.seats()[1].join_code
    assert call(served, "POST", "/class/seat-view", {"seat": 2})[0] == 401
    assert call(served, "POST", "/class/seat-view", {"seat": 2}, token=two)[0] == 403
    status, view = call(served, "POST", "/class/seat-view", {"seat": 2},
                        token=token_of(served))
    assert status == 200, view
    world = served.room.worlds.world(2)
    assert view["facts"]["instance_id"] == world.truth.instance_id
    assert len(view["calls"]) == len(world.attacker.recent_calls()[-200:])
    assert all({"at", "service", "api", "allowed"} <= set(c) for c in view["calls"])
    assert call(served, "POST", "/class/seat-view", {"seat": 9},
                token=token_of(served))[0] == 404


def test_an_app_check_report_says_which_check_and_how_it_went(served):
    code = served.state.seats()[1].join_code
    call(served, "POST", "/class/report", {"events": [
        {"kind": "check", "step": "filter-key", "check": "key-filtered", "status": "failed",
         "summary": "no saved filter names the key"}]}, token=code)
    reported = _events(served, 2, "report-check")[-1]
    assert reported["summary"] == ("key-filtered failed (in the app): "
                                   "no saved filter names the key")


def test_the_boards_status_leaves_out_answers_and_checks(served):
    token = token_of(served)
    _, full = call(served, "GET", "/class/status", token=token)
    _, board = call(served, "GET", "/class/status?view=board", token=token)
    assert "answers" in full["seats"][0] and "checks" in full["seats"][0]["steps"][0]
    assert "answers" not in board["seats"][0] and "checks" not in board["seats"][0]["steps"][0]
    for whole, lean in zip(full["seats"], board["seats"], strict=True):
        for step, cut in zip(whole["steps"], lean["steps"], strict=True):
            assert {k: v for k, v in step.items() if k != "checks"} == cut


def test_a_right_code_is_found_while_another_thread_rebuilds_the_code_index(served):
    """Seen in bench/dashboard_refresh.py (100 seats joining at once): a right join code
    refused as unknown. Thread A missed in the empty index; thread B rebuilt it before A
    compared the seat count with the index's size, which then matched: no rebuild for A."""
    import hashlib

    state = served.state
    record = state.seats()[0]
    full = {hashlib.sha256(r.join_code.encode()).digest(): r.seat for r in state.seats()}
    original = state.query
    state._codes = {}

    def query(sql, args=()):
        if "COUNT(*)" in sql:
            state._codes = full  # the other thread's rebuild lands here
        return original(sql, args)

    state.query = query
    try:
        assert state.seat_by_code(record.join_code).seat == record.seat
    finally:
        del state.query
