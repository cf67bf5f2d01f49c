"""The participant app's LabEvents reach the class server through ClassReporter."""

from __future__ import annotations

import time

from labguide.classroom.client import ClassClient
from labguide.classroom.reporter import ClassReporter
from labguide.lab import events as ev
from tests.classroom.conftest import call, serve, token_of


def test_lab_events_reach_the_instructors_status(loaded, tmp_path):
    served = serve(loaded, tmp_path, seats=1)
    try:
        code = served.state.seats()[0].join_code
        client = ClassClient(served.url, code=code)
        client.join(code, "Kim")
        received = []
        reporter = ClassReporter(client, on_message=received.append, poll_seconds=0.2)
        emit = [ev.LabEvent(ev.STEP_OPENED, loaded.scenario.id, "alert"),
                ev.LabEvent(ev.HINT_SHOWN, loaded.scenario.id, "alert", "finding-type",
                            {"shown": 1}),
                ev.LabEvent(ev.ANSWER_REVEALED, loaded.scenario.id, "alert", "access-key"),
                ev.LabEvent(ev.ANSWER_JUDGED, loaded.scenario.id, "alert", "finding-type",
                            {"correct": False, "text": "Recon:IAMUser/Guess"}),
                ev.LabEvent(ev.HELP_REQUESTED, loaded.scenario.id, "alert", None,
                            {"on": True, "text": "which key?"})]
        for event in emit:
            reporter(event)  # as the session calls its observers: never blocks
        assert reporter.flush(timeout=20)
        call(served, "POST", "/class/message", {"text": "look at the alerts pane"},
             token=token_of(served))
        deadline = time.monotonic() + 20
        while not received and time.monotonic() < deadline:
            time.sleep(0.1)
        reporter.close()
        assert [m["text"] for m in received] == ["look at the alerts pane"]
        _, board = call(served, "GET", "/class/status", token=token_of(served))
        seat = board["seats"][0]
        alert = seat["steps"][0]
        assert seat["current_step"] == "alert" and seat["help"] and \
            seat["help_text"] == "which key?"
        assert alert["hints"] == 1 and alert["answers_revealed"] == 1
        assert seat["answers"][0]["value"] == "Recon:IAMUser/Guess"
        assert seat["answers"][0]["correct"] is False
    finally:
        served.stop()
