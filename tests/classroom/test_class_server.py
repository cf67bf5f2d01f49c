"""The class server end to end in one process: join, isolation, reports, server-side
checks, answers, the instructor's routes, reset, solve, export, restart from --state."""

from __future__ import annotations

import csv
import io
import stat
import time

import pytest
from botocore.exceptions import ClientError

from tests.classroom.conftest import call, seat_client, serve, token_of

INSTRUCTOR_ROUTES = [("GET", "/class/status", None), ("GET", "/class/seats/1", None),
                     ("GET", "/class/export?format=csv", None),
                     ("POST", "/class/reset", {"seat": 1}),
                     ("POST", "/class/solve", {"seat": 1, "step": "filter-key"}),
                     ("POST", "/class/message", {"text": "hi"}),
                     ("POST", "/class/check", {"seat": 1}), ("POST", "/class/hint", {"seat": 1}),
                     ("POST", "/class/help-answered", {"seat": 1}),
                     ("POST", "/class/attackers", {"paused": True}),
                     ("POST", "/class/aws", {"seat": 2, "service": "sts",
                                             "operation": "GetCallerIdentity", "params": {}})]
MOTO_API = ["/moto-api/labguide/worlds", "/moto-api/labguide/clock/advance",
            "/moto-api/labguide/attacker?account=1", "/moto-api/"]


@pytest.fixture(scope="module")
def served(loaded, tmp_path_factory):
    state = tmp_path_factory.mktemp("class-state")
    server = serve(loaded, state, seats=2)
    try:
        yield server
    finally:
        server.stop()


def _join(served, seat: int, name: str | None = None) -> dict:
    code = served.state.seats()[seat - 1].join_code
    status, answer = call(served, "POST", "/class/join", {"code": code, "name": name})
    assert status == 200, answer
    answer["code"] = code
    return answer


def test_state_folder_holds_seats_csv_without_secrets_and_a_private_token(served):
    folder = served.token_file.parent
    assert stat.S_IMODE(served.token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "class.sqlite3").stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO((folder / "seats.csv").read_text())))
    assert [r["seat"] for r in rows] == ["1", "2"]
    assert set(rows[0]) == {"seat", "name", "join_code", "account_id", "access_key_id"}
    secrets = [r.secret_access_key for r in served.state.seats()]
    assert not any(s in (folder / "seats.csv").read_text() for s in secrets)
    assert rows[0]["account_id"] != rows[1]["account_id"]


def test_join_gives_the_seat_and_only_with_its_code(served):
    one = _join(served, 1, "Ada")
    again = _join(served, 1)  # from a second laptop: the same seat
    assert again["access_key_id"] == one["access_key_id"] and again["seat"] == 1
    assert seat_client(one, "sts").get_caller_identity()["Account"] == one["account_id"]
    status, answer = call(served, "POST", "/class/join", {"code": "ZZZZ-ZZZZ"})
    assert status == 401
    lower = served.state.seats()[0].join_code.lower().replace("-", " ")
    assert call(served, "POST", "/class/join", {"code": lower})[0] == 200


def test_a_seat_cannot_act_in_or_read_its_neighbour(served):
    one, two = _join(served, 1), _join(served, 2)
    forged = seat_client({**two, "secret_access_key": one["secret_access_key"]}, "guardduty")
    with pytest.raises(ClientError) as caught:
        forged.list_detectors()
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"  # REST-JSON
    # participant routes only ever reach the code's own seat
    status, me = call(served, "GET", "/class/me", token=one["code"])
    assert status == 200 and me["seat"] == 1 and me["account_id"] == one["account_id"]
    status, _ = call(served, "POST", "/class/report",
                     {"seat": 2, "events": [{"kind": "step", "step": "review", "seat": 2}]},
                     token=one["code"])
    assert status == 200
    _, board = call(served, "GET", "/class/status", token=token_of(served))
    assert board["seats"][1]["current_step"] != "review"
    for method, path, body in INSTRUCTOR_ROUTES:
        assert call(served, method, path, body)[0] == 401, path
        assert call(served, method, path, body, token=one["code"])[0] == 403, path
        assert call(served, method, path, body, token="not-the-token")[0] == 401, path
    for path in MOTO_API:
        assert call(served, "GET", path, token=one["code"])[0] == 401, path
    for path in ("/moto-api/data.json", "/moto-api/reset", "/moto-api/recorder/replay-recording"):
        assert call(served, "POST", path, token=token_of(served))[0] == 403, path


def test_reports_and_answers_reach_the_instructors_status(served):
    one = _join(served, 1, "Ada")
    events = [{"kind": "step", "step": "alert"},
              {"kind": "hint", "step": "alert", "question": "finding-type"},
              {"kind": "answer_revealed", "step": "alert", "question": "access-key"},
              {"kind": "answer", "step": "alert", "question": "finding-type",
               "value": "Recon:IAMUser/Wrong", "correct": False},
              {"kind": "help", "on": True, "text": "stuck\x1b[2J on the alert"},
              {"kind": "bogus"}]
    status, answer = call(served, "POST", "/class/report", {"events": events},
                          token=one["code"])
    assert status == 200 and answer["accepted"] == 5
    _, board = call(served, "GET", "/class/status", token=token_of(served))
    seat = board["seats"][0]
    assert {"seat", "name", "account_id", "joined", "last_seen", "current_step", "help",
            "steps"} <= set(seat)
    assert seat["name"] == "Ada" and seat["joined"] and seat["help"]
    assert "\x1b" not in seat["help_text"]
    alert = seat["steps"][0]
    assert {"id", "status", "attempts", "hints", "answers_revealed", "done_at",
            "last_failure"} <= set(alert)
    assert alert["hints"] == 1 and alert["answers_revealed"] == 1 and alert["status"] == "failing"
    assert seat["answers"][-1]["value"] == "Recon:IAMUser/Wrong"
    # the same question answered right next (seen in tmux): its failure no longer stands
    right = {"kind": "answer", "step": "alert", "question": "finding-type",
             "value": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", "correct": True}
    assert call(served, "POST", "/class/report", {"events": [right]}, token=one["code"])[0] == 200
    _, board = call(served, "GET", "/class/status", token=token_of(served))
    alert = board["seats"][0]["steps"][0]
    assert alert["status"] == "in-progress" and alert["last_failure"] is None
    assert alert["failures"] == 1  # the wrong try still counts
    # the server judges answers itself (a participant on the CLI)
    finding = served.room.worlds.world(1).truth
    for question, value in (("finding-type", "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"),
                            ("access-key", finding.stolen_access_key_id)):
        status, judged = call(served, "POST", "/class/answer",
                              {"question": question, "value": value}, token=one["code"])
        assert status == 200 and judged["correct"], judged
    status, wrong = call(served, "POST", "/class/answer",
                         {"question": "principal", "value": "not-the-role"}, token=one["code"])
    assert status == 200 and not wrong["correct"]
    _, board = call(served, "GET", "/class/status", token=token_of(served))
    steps = {s["id"]: s for s in board["seats"][0]["steps"]}
    assert steps["alert"]["status"] == "done" and steps["alert"]["done_at"]
    assert steps["identify-principal"]["status"] == "failing"
    assert board["seats"][1]["steps"][0]["status"] != "done"  # the neighbour is untouched


def test_a_write_on_the_cli_is_judged_by_the_servers_checks(served):
    two = _join(served, 2)
    guardduty = seat_client(two, "guardduty")
    detector = guardduty.list_detectors()["DetectorIds"][0]
    guardduty.create_filter(DetectorId=detector, Name="wrong-filter", FindingCriteria={
        "Criterion": {"type": {"Eq": ["Recon:IAMUser/MaliciousIPCaller.Custom"]}}})
    served.room.check_seat(2)
    stolen = served.room.worlds.world(2).truth.stolen_access_key_id
    guardduty.create_filter(DetectorId=detector, Name="stolen", FindingCriteria={
        "Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": [stolen]}}})
    served.room.check_seat(2)
    _, board = call(served, "GET", "/class/status", token=token_of(served))
    steps = {s["id"]: s for s in board["seats"][1]["steps"]}
    assert steps["filter-key"]["status"] == "done"


def test_solve_reset_of_a_step_and_of_a_seat(served):
    token = token_of(served)
    one = _join(served, 1)
    guardduty = seat_client(one, "guardduty")
    detector = guardduty.list_detectors()["DetectorIds"][0]
    # The step before, done (its model answers): a reset to the next step's start keeps it.
    assert call(served, "POST", "/class/solve", {"seat": 1, "step": "alert"},
                token=token)[0] == 200
    status, solved = call(served, "POST", "/class/solve", {"seat": 1, "step": "filter-key"},
                          token=token)
    assert status == 200 and solved["actions"]
    assert guardduty.list_filters(DetectorId=detector)["FilterNames"]
    served.room.check_seat(1)
    status, _ = call(served, "POST", "/class/reset", {"seat": 1, "step": "filter-key"},
                     token=token)
    assert status == 200
    assert guardduty.list_filters(DetectorId=detector)["FilterNames"] == []
    _, board = call(served, "GET", "/class/status", token=token)
    steps = {s["id"]: s for s in board["seats"][0]["steps"]}
    assert steps["alert"]["status"] == "done" and steps["filter-key"]["status"] != "done"
    assert call(served, "POST", "/class/reset", {"seat": 1, "step": "review"},
                token=token)[0] == 400  # not begun yet
    status, _ = call(served, "POST", "/class/reset", {"seat": 1}, token=token)
    assert status == 200
    _, board = call(served, "GET", "/class/status", token=token)
    assert all(s["status"] != "done" for s in board["seats"][0]["steps"])
    assert seat_client(one, "sts").get_caller_identity()["Account"] == one["account_id"]
    _, messages = call(served, "GET", "/class/messages", token=one["code"])
    assert any("reset" in m["text"] for m in messages["messages"])


def test_messages_and_export(served):
    token = token_of(served)
    one, two = _join(served, 1), _join(served, 2)
    assert call(served, "POST", "/class/message", {"text": "to everyone"}, token=token)[0] == 200
    assert call(served, "POST", "/class/message", {"seat": 2, "text": "only two"},
                token=token)[0] == 200
    _, mine = call(served, "GET", "/class/messages", token=one["code"])
    _, theirs = call(served, "GET", "/class/messages", token=two["code"])
    assert "only two" not in [m["text"] for m in mine["messages"]]
    assert {"to everyone", "only two"} <= {m["text"] for m in theirs["messages"]}
    status, data = call(served, "GET", "/class/export?format=csv", token=token)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == 2 * 7 and {"seat", "name", "step", "status", "time_to_done_s",
                                   "attempts", "hints", "answers_revealed"} <= set(rows[0])
    status, data = call(served, "GET", "/class/export?format=json", token=token)
    assert status == 200 and len(data["rows"]) == 14


def test_restart_brings_back_seats_keys_progress_and_worlds(loaded, tmp_path):
    first = serve(loaded, tmp_path, seats=1)
    try:
        code = first.state.seats()[0].join_code
        _, joined = call(first, "POST", "/class/join", {"code": code, "name": "Grace"})
        guardduty = seat_client(joined, "guardduty")
        detector = guardduty.list_detectors()["DetectorIds"][0]
        guardduty.create_filter(DetectorId=detector, Name="kept", FindingCriteria={
            "Criterion": {"severity": {"Gte": 4}}})
        call(first, "POST", "/class/answer", {"question": "finding-type",
             "value": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"}, token=code)
        token = token_of(first)
    finally:
        first.stop()
    again = serve(loaded, tmp_path)
    try:
        assert again.restored and token_of(again) == token
        _, rejoined = call(again, "POST", "/class/join", {"code": code})
        assert rejoined["access_key_id"] == joined["access_key_id"]
        assert rejoined["secret_access_key"] == joined["secret_access_key"]
        guardduty = seat_client(rejoined, "guardduty")
        assert guardduty.list_filters(DetectorId=detector)["FilterNames"] == ["kept"]
        _, board = call(again, "GET", "/class/status", token=token)
        seat = board["seats"][0]
        assert seat["name"] == "Grace" and seat["answers"][0]["question"] == "finding-type"
    finally:
        again.stop()


def _seat_one(served, service):
    """Seat 1 joined: its code and a client of `service` with its keys."""
    code = served.state.seats()[0].join_code
    return code, seat_client(call(served, "POST", "/class/join", {"code": code})[1], service)


def test_a_restart_replays_a_stop_answered_late_at_the_moment_moto_took_it(loaded, tmp_path):
    # A restarted 300-seat class failed at StartInstances: its journal had the StopInstances
    # at the moment the loaded server answered, 10+ s after moto took it. Here an observer
    # ahead of the journal's moves the seat's clock 30 s while the stop is answered.
    first = serve(loaded, tmp_path, seats=1)
    try:
        code, ec2 = _seat_one(first, "ec2")
        instance = next(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
                        for i in r["Instances"] if i["State"]["Name"] == "running")
        world = first.room.worlds.world(1)

        def busy(environ, body, status):
            world.advance(30)

        first.server.observers.insert(0, busy)
        ec2.stop_instances(InstanceIds=[instance])
        first.server.observers.remove(busy)
        ec2.start_instances(InstanceIds=[instance])  # stopped 10 s after moto took the stop
    finally:
        first.stop()
    again = serve(loaded, tmp_path)  # before: UserError, the StartInstances replay refused
    try:
        ec2 = seat_client(call(again, "POST", "/class/join", {"code": code})[1], "ec2")
        states = {i["InstanceId"]: i["State"]["Name"]
                  for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}
        assert states[instance] in ("pending", "running")
    finally:
        again.stop()


def test_a_journal_entry_the_rebuilt_world_refuses_cuts_that_seat_only(loaded, tmp_path):
    # One seat's unreplayable request used to keep the whole class from restarting.
    import base64

    from labguide.classroom.state import ClassState

    first = serve(loaded, tmp_path, seats=2)
    try:
        code, guardduty = _seat_one(first, "guardduty")
        detector = guardduty.list_detectors()["DetectorIds"][0]
        guardduty.create_filter(DetectorId=detector, Name="kept", FindingCriteria={
            "Criterion": {"severity": {"Gte": 4}}})
    finally:
        first.stop()
    state = ClassState(tmp_path)
    try:
        (entry,) = state.journal(1)
        body = base64.b64decode(entry["body"]).decode()
        bad = dict(entry, path=entry["path"].replace(detector, "0" * 32))
        later = dict(entry, body=base64.b64encode(body.replace('"kept"', '"later"').encode())
                     .decode())
        state.append_journal(1, "9999-01-01T00:00:00Z", bad)
        state.append_journal(1, "9999-01-01T00:00:01Z", later)
    finally:
        state.close()
    again = serve(loaded, tmp_path)
    try:
        assert len(again.state.journal(1)) == 1
        guardduty = seat_client(call(again, "POST", "/class/join", {"code": code})[1],
                                "guardduty")
        assert guardduty.list_filters(DetectorId=detector)["FilterNames"] == ["kept"]
        _, timeline = call(again, "GET", "/class/seats/1", token=token_of(again))
        cut = [e for e in timeline["events"] if e["kind"] == "journal-cut"]
        assert cut and "CreateFilter" in cut[0]["summary"] and "2 request(s)" in \
            cut[0]["summary"]
        _, board = call(again, "GET", "/class/status", token=token_of(again))
        assert len(board["seats"]) == 2
    finally:
        again.stop()


def test_seats_sharded_across_two_worker_processes(loaded, tmp_path):
    """--workers 2: each seat's world lives in its worker; the class API aggregates."""
    sharded = serve(loaded, tmp_path, seats=2, workers=2)
    try:
        token = token_of(sharded)
        one, two = (_join(sharded, seat) for seat in (1, 2))
        assert one["endpoint_url"] != two["endpoint_url"]
        assert seat_client(two, "sts").get_caller_identity()["Account"] == two["account_id"]
        elsewhere = seat_client({**one, "endpoint_url": two["endpoint_url"]}, "sts")
        with pytest.raises(ClientError) as caught:
            elsewhere.get_caller_identity()  # seat 1's key at seat 2's worker: not held there
        assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
        status, solved = call(sharded, "POST", "/class/solve", {"seat": 2, "step": "filter-key"},
                              token=token)
        assert status == 200 and solved["actions"], solved
        assert call(sharded, "POST", "/class/check", {"seat": 2}, token=token)[0] == 200
        status, judged = call(sharded, "POST", "/class/answer", {
            "question": "finding-type",
            "value": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"}, token=one["code"])
        assert status == 200 and judged["correct"]
        _, board = call(sharded, "GET", "/class/status", token=token)
        assert board["seats"][1]["steps"][1]["status"] == "done"
        assert board["seats"][0]["steps"][0]["status"] in ("done", "in-progress")
        # an app's answers reported through the coordinator: the seat's worker checks at once
        guardduty = seat_client(two, "guardduty")
        detector = guardduty.list_detectors()["DetectorIds"][0]
        found = guardduty.get_findings(DetectorId=detector, FindingIds=guardduty.list_findings(
            DetectorId=detector)["FindingIds"])["Findings"]
        finding = next(f for f in found if f["Type"].startswith("UnauthorizedAccess:IAMUser"))
        events = [{"kind": "answer", "step": "alert", "question": q, "value": v, "correct": True}
                  for q, v in (("finding-type", finding["Type"]),
                               ("access-key",
                                finding["Resource"]["AccessKeyDetails"]["AccessKeyId"]))]
        assert call(sharded, "POST", "/class/report", {"events": events},
                    token=two["code"])[0] == 200
        for _ in range(40):
            _, board = call(sharded, "GET", "/class/status", token=token)
            if board["seats"][1]["steps"][0]["status"] == "done":
                break
            time.sleep(0.5)
        assert board["seats"][1]["steps"][0]["status"] == "done", board["seats"][1]["steps"][0]
    finally:
        sharded.stop()


def test_a_sharded_class_of_the_authored_exercise(tmp_path):
    # compromised-ec2-instance's world is written in the scenario (a mapping, not a bundled
    # name): the workers were given its name, None, and `class serve` failed to start with
    # the default --workers on any machine of two cores or more.
    from labguide.scenario import load_scenario

    sharded = serve(load_scenario("compromised-ec2-instance"), tmp_path, seats=2, workers=2)
    try:
        two = _join(sharded, 2)
        assert seat_client(two, "sts").get_caller_identity()["Account"] == two["account_id"]
        _, board = call(sharded, "GET", "/class/status", token=token_of(sharded))
        assert [s["seat"] for s in board["seats"]] == [1, 2]
    finally:
        sharded.stop()
