"""When the class server runs a seat's checks itself: shortly after each write to the seat,
and on schedule for a seat nobody touches."""

from __future__ import annotations

import time

import pytest

from tests.classroom.conftest import call, seat_client, serve, token_of


@pytest.fixture(scope="module")
def served(loaded, tmp_path_factory):
    server = serve(loaded, tmp_path_factory.mktemp("rounds"), seats=2)
    try:
        yield server
    finally:
        server.stop()


def _wait_for(condition, seconds: float = 60.0):
    """Poll until `condition()` is truthy (a deadline for a stuck server, not a budget)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the condition never held")


def test_a_write_brings_a_server_round_without_anyone_asking(served):
    # seat 1's scheduled round comes 2 s after start, the next an hour later: past it,
    # only the write's own round can judge the filter
    _wait_for(lambda: served.room.rounds >= 1 and 1 not in served.room._running)
    code = served.state.seats()[0].join_code
    _, joined = call(served, "POST", "/class/join", {"code": code})
    guardduty = seat_client(joined, "guardduty")
    detector = guardduty.list_detectors()["DetectorIds"][0]
    stolen = served.room.worlds.world(1).truth.stolen_access_key_id
    guardduty.create_filter(DetectorId=detector, Name="stolen", FindingCriteria={
        "Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": [stolen]}}})

    def filter_step_done():
        _, board = call(served, "GET", "/class/status", token=token_of(served))
        steps = {s["id"]: s for s in board["seats"][0]["steps"]}
        return steps["filter-key"]["status"] == "done"

    _wait_for(filter_step_done)  # the check period is an hour: only the write's round


def test_an_untouched_seat_is_checked_again_on_schedule(loaded, tmp_path):
    served = serve(loaded, tmp_path, seats=1, check_period=1.0)  # overrides the hour
    try:
        first = served.room.rounds
        _wait_for(lambda: served.room.rounds >= first + 2)
    finally:
        served.stop()


def test_the_servers_own_rounds_open_no_connection_to_itself(loaded, tmp_path):
    # Over loopback each seat's checker kept a pool of connections to its own server
    # (about 400 per worker at 100 seats), and waitress visits every one on each wake-up.
    served = serve(loaded, tmp_path, seats=2)
    try:
        for seat in (1, 2):
            result = served.room.check_seat(seat)
            assert result.steps  # a real round, judged
        assert served.server.connections == 0
    finally:
        served.stop()


def test_a_round_in_flight_during_a_reset_records_nothing(loaded, tmp_path):
    # The round reads the solved world; the instructor resets the seat before the round
    # records: recorded, its results would mark done the step the reset opened again.
    served = serve(loaded, tmp_path, seats=1)
    try:
        served.room.solve(1, "alert")
        runner = served.room._runner(1)
        read = runner.run_round

        def read_then_reset(**kwargs):
            result = read(**kwargs)
            assert any(s.status == "passed" for s in result.steps if s.id == "alert")
            served.room.reset(1)
            return result

        runner.run_round = read_then_reset
        served.room.check_seat(1)
        steps = {s["step"]: s for s in served.state.steps(1)}
        assert not steps["alert"]["done_at"]
        assert served.room.check_seat(1)  # the next round records again
    finally:
        served.stop()
