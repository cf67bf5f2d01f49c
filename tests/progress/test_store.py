"""ProgressStore: saves, reload, reset, keys by scenario and account."""

from __future__ import annotations

from datetime import UTC, datetime

from labguide.progress import ProgressStore, progress_db_path

EPOCH = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_new_session_keeps_seed_and_epoch(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    first = store.open_session("s", "sim", seed=7, epoch=EPOCH)
    assert (first.seed, first.epoch, first.current_step) == (7, EPOCH, None)
    again = store.open_session("s", "sim", seed=99)
    assert (again.seed, again.epoch) == (7, EPOCH)


def test_every_kind_of_save_reloads_from_a_new_connection(tmp_path):
    path = tmp_path / "p.db"
    store = ProgressStore(path)
    store.open_session("s", "111122223333", seed=1, epoch=EPOCH)
    store.set_current_step("s", "111122223333", "filter-key")
    store.save_answer("s", "111122223333", "alert", "finding-type", "Recon:X", True)
    store.save_answer("s", "111122223333", "alert", "key", "nope", False)
    store.reveal_hint("s", "111122223333", "alert", "key", 2)
    store.reveal_hint("s", "111122223333", "alert", "key", 1)  # never goes down
    store.reveal_answer("s", "111122223333", "review", "why")
    store.record_checks("s", "111122223333", "filter-key", ["key-filtered"], step_done=True)
    store.close()

    loaded = ProgressStore(path).load("s", "111122223333")
    assert loaded.current_step == "filter-key"
    assert loaded.answers[("alert", "finding-type")].correct is True
    assert loaded.answers[("alert", "key")].text == "nope"
    assert loaded.hints_shown[("alert", "key")] == 2
    assert ("review", "why") in loaded.answers_revealed
    assert ("filter-key", "key-filtered") in loaded.checks_passed
    assert set(loaded.steps_done) == {"filter-key"}


def test_accounts_do_not_mix_and_reset_forgets_one(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    store.open_session("s", "sim", seed=1, epoch=EPOCH)
    store.open_session("s", "123456789012", seed=2, epoch=EPOCH)
    store.record_checks("s", "sim", "a", ["c"], step_done=True)
    assert store.load("s", "123456789012").steps_done == {}
    fresh = store.open_session("s", "sim", seed=5, epoch=EPOCH, reset=True)
    assert fresh.steps_done == {} and fresh.seed == 5
    assert set(store.sessions()) == {"s"}


def test_default_path_is_under_labguide_home(monkeypatch, tmp_path):
    monkeypatch.setenv("LABGUIDE_HOME", str(tmp_path / "home"))
    assert progress_db_path().parent == tmp_path / "home"


def test_a_naive_epoch_is_utc_whatever_the_machine_zone(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        store = ProgressStore(tmp_path / "p.db")
        naive = EPOCH.replace(tzinfo=None)
        assert store.open_session("s", "sim", seed=1, epoch=naive).epoch == EPOCH
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
