"""What the learner did reaches the session's observers (class reporting), and a failing
observer never reaches the learner."""

from __future__ import annotations

from labguide.lab import events as ev
from labguide.lab.connection import Connection, TargetSpec
from labguide.lab.session import LabSession
from labguide.progress import ProgressStore
from labguide.scenario import load_scenario


def session(tmp_path) -> LabSession:
    loaded = load_scenario("compromised-iam-credentials")
    store = ProgressStore(tmp_path / "p.db")
    connection = Connection(TargetSpec(), loaded.scenario.region)
    progress = store.open_session(loaded.scenario.id, "simulator", seed=1, epoch=None)
    return LabSession(loaded, connection, store, progress)


def test_each_saved_change_is_an_event(tmp_path):
    lab = session(tmp_path)
    seen: list[ev.LabEvent] = []
    lab.events.subscribe(seen.append)
    lab.events.subscribe(lambda event: 1 / 0)  # a broken reporter: logged, nothing more
    step = lab.scenario.steps[0]
    question = step.questions[0]
    lab.set_current(step.id)
    lab.reveal_next_hint(step.id, question)
    lab.submit_answer(step.id, question, "not the answer")
    lab.reveal_answer(step.id, question)
    kinds = [(e.kind, e.step_id, e.question_id) for e in seen]
    assert kinds == [(ev.STEP_OPENED, step.id, None), (ev.HINT_SHOWN, step.id, question.id),
                     (ev.ANSWER_JUDGED, step.id, question.id),
                     (ev.ANSWER_REVEALED, step.id, question.id)]
    assert seen[1].detail == {"shown": 1}
    assert seen[2].detail == {"correct": False, "text": "not the answer"}
    assert seen[0].to_json()["scenario"] == lab.scenario.id


def test_an_unsubscribed_observer_hears_nothing_more(tmp_path):
    lab = session(tmp_path)
    seen: list = []
    stop = lab.events.subscribe(seen.append)
    lab.set_current(lab.scenario.step_ids[0])
    stop()
    lab.set_current(lab.scenario.step_ids[1])
    assert len(seen) == 1
