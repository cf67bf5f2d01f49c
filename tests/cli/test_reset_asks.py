"""`run --reset` asks before forgetting progress (issue 11.8: 7/7 steps were thrown away
without a word): on a terminal it asks, elsewhere it needs --yes; nothing saved, no question."""

from __future__ import annotations

import argparse
import sys

import pytest

from labguide.cli import main
from labguide.cli.app_cmd import _confirm_reset
from labguide.errors import UserError
from labguide.lab.connection import SIM_ACCOUNT_KEY
from labguide.progress import ProgressStore, progress_db_path

SCENARIO = "compromised-iam-credentials"


@pytest.fixture
def saved_progress():
    store = ProgressStore(progress_db_path())
    store.open_session(SCENARIO, SIM_ACCOUNT_KEY, seed=1)
    store.save_answer(SCENARIO, SIM_ACCOUNT_KEY, "alert", "access-key", "ASIA…", True)
    store.record_checks(SCENARIO, SIM_ACCOUNT_KEY, "alert", [], True)
    store.close()


def progress():
    store = ProgressStore(progress_db_path())
    try:
        return store.load(SCENARIO, SIM_ACCOUNT_KEY)
    finally:
        store.close()


def args(**given):
    return argparse.Namespace(**{"reset": True, "yes": False, **given})


def test_without_a_terminal_reset_needs_yes_and_changes_nothing(saved_progress, capsys):
    code = main(["run", SCENARIO, "--reset"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--reset would forget your progress in compromised-iam-credentials on the " \
           "simulator: 1/7 steps done, 1 answer(s)" in err
    assert "add --yes to go ahead" in err and "Traceback" not in err
    assert "alert" in progress().steps_done  # kept


def test_on_a_terminal_it_asks(saved_progress, monkeypatch, capsys):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(UserError, match="not done: nothing was changed"):
        _confirm_reset(args(), SCENARIO, None, None)
    assert "--reset would forget your progress" in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    _confirm_reset(args(), SCENARIO, None, None)  # confirmed: the app resets


def test_yes_or_nothing_saved_does_not_ask(saved_progress, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked"))
    _confirm_reset(args(yes=True), SCENARIO, None, None)
    store = ProgressStore(progress_db_path())
    store.open_session(SCENARIO, SIM_ACCOUNT_KEY, reset=True)  # a fresh session: nothing lost
    store.close()
    _confirm_reset(args(), SCENARIO, None, None)
