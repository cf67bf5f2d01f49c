"""The participant's side of a class, in the app joined to a real class server: a raised
hand (with its line of text) seen by the instructor and lowered when answered, the
instructor's messages as notices and in the messages view, and a sign that the class
server hears the app."""

from __future__ import annotations

import pytest

from labguide.classroom.client import ClassClient
from labguide.classroom.reporter import ClassReporter
from labguide.lab.connection import Connection, TargetSpec
from tests.classroom.conftest import serve
from tests.tui.helpers import lab_ready, make_app, wait_until


@pytest.fixture
def klass(loaded, tmp_path):
    served = serve(loaded, tmp_path / "class", seats=1)
    try:
        yield served
    finally:
        served.stop()


def joined_app(klass, loaded, tmp_path, monkeypatch):
    """The app on seat 1, as `join` makes it (the lab screen has the server's messages
    delivered to it); with its reporter and an instructor's client."""
    code = klass.state.seats()[0].join_code
    seat = ClassClient(klass.server.public_url, code=code).join(code, "Ada")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seat["access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seat["secret_access_key"])
    instructor = ClassClient(klass.server.public_url, klass.token_file.read_text().strip())
    connection = Connection(TargetSpec(kind="endpoint", endpoint=seat["endpoint_url"]),
                            seat["region"])
    connection.connect_remote()
    reporter = ClassReporter(ClassClient(klass.server.public_url, code=code), poll_seconds=0.3)
    app = make_app(scenario=loaded.scenario.id, target="endpoint",
                   endpoint=seat["endpoint_url"], store_path=tmp_path / "p.db",
                   observers=(reporter,), connection=connection, loaded=loaded)
    return app, reporter, instructor


async def test_raise_hand_messages_and_presence(klass, loaded, tmp_path, monkeypatch):
    from labguide.tui.class_seat import MessagesScreen
    from labguide.tui.screens.modals import PromptModal

    app, reporter, instructor = joined_app(klass, loaded, tmp_path, monkeypatch)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await lab_ready(pilot)
            screen = app.screen
            status = screen.query_one("#status-line")
            await wait_until(pilot, lambda: reporter.last_ok is not None, "the server heard")
            screen.update_status()
            assert "class ✓ seen" in str(status.render())
            # Raise a hand with a line of text: the instructor sees both.
            await pilot.press("exclamation_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "prompt")
            await pilot.press(*"which key?", "enter")
            await wait_until(pilot, lambda: instructor.status()["seats"][0]["help"],
                             "the hand seen by the instructor")
            assert instructor.status()["seats"][0]["help_text"] == "which key?"
            assert screen.hand.up
            # The instructor answers it: the hand is down in the app too.
            instructor.help_answered(1)
            await wait_until(pilot, lambda: not screen.hand.up, "the hand lowered")
            # A message and a broadcast: notices, then both in the messages view.
            instructor.message("look at the finding's access key", seat=1)
            instructor.message("ten minutes left")
            await wait_until(pilot, lambda: len(screen.received) >= 3, "the messages")
            texts = [text for _sender, text in screen.received]
            assert "look at the finding's access key" in texts and "ten minutes left" in texts
            await pilot.press("m")
            await wait_until(pilot, lambda: isinstance(app.screen, MessagesScreen), "messages")
            body = str(app.screen.query_one("#messages-body").render())
            assert "ten minutes left" in body
            await pilot.press("escape")
            # The server gone: the status line says so (progress kept).
            klass.stop()
            await wait_until(pilot, lambda: reporter.failures_in_row > 0, "a failed report",
                             timeout=30)
            screen.update_status()
            assert "class ⚠" in str(status.render())
    finally:
        reporter.close()


async def test_a_step_the_instructor_solves_is_done_in_the_app(klass, loaded, tmp_path,
                                                                monkeypatch):
    """The instructor solves an answers-only step: the app takes the model answers (the
    server's judgement), shows them in the step's cards and marks the step done, without
    reporting them back as the learner's."""
    from labguide.tui.widgets.questions import QuestionCard
    from tests.tui.test_walkthrough import answer

    app, reporter, instructor = joined_app(klass, loaded, tmp_path, monkeypatch)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await lab_ready(pilot)
            screen = app.screen
            assert screen.step_id == "alert" and app.session.state("alert") != "done"
            await answer(pilot, app, "finding-type", "not it")  # the learner's, wrong
            await wait_until(pilot, lambda: app.session.saved_answer("alert", "finding-type"),
                             "the wrong answer saved")
            instructor.solve(1, "alert")
            await wait_until(pilot, lambda: app.session.state("alert") == "done",
                             "the solved step done in the app", timeout=30)
            assert any("solved step" in text for _sender, text in screen.received)
            cards = list(screen.query(QuestionCard))
            fields = [str(card.query_one("Input").value) for card in cards]
            assert "not it" not in fields and all(fields), fields  # the model answers
            assert reporter.flush()
            by_app = [(a["value"], a["source"]) for a in klass.state.answers(1)
                      if a["source"] == "app"]
            assert by_app == [("not it", "app")]  # only what the learner typed
    finally:
        reporter.close()


async def test_no_class_keys_outside_a_class(tmp_path, frozen_sim):
    from tests.tui.helpers import frozen_lab_app

    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.press("exclamation_mark", "m")
        await pilot.pause()
        assert app.screen.id == "lab" and not app.screen.hand.up
        assert "class" not in str(app.screen.query_one("#status-line").render())
