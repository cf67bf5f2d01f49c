"""`labguide rewind` (the app's R while the app is closed): the journal is cut at the step's
first opening, later progress forgotten (answers kept); the next start replays the rest."""

from __future__ import annotations

import boto3
import pytest

from labguide.cli import main
from labguide.lab.connection import SIM_ACCOUNT_KEY
from labguide.progress import ProgressStore, journal_path, progress_db_path
from labguide.scenario import load_scenario
from labguide.sim.embedded import start_embedded

SCENARIO = "compromised-iam-credentials"
FILTER = {"Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": ["ASIAEXAMPLE"]}}}


def _start():
    scenario = load_scenario(SCENARIO).scenario
    return start_embedded(scenario.world.source, dict(scenario.world.params), scenario.region,
                          seed=7, journal=journal_path(SCENARIO, SIM_ACCOUNT_KEY),
                          realtime=False)


def _filters(sim):
    gd = boto3.client("guardduty", region_name=sim.world.region, endpoint_url=sim.endpoint_url,
                      aws_access_key_id=sim.world.learner.access_key_id,
                      aws_secret_access_key=sim.world.learner.secret_access_key)
    return gd.list_filters(DetectorId=sim.world.truth.detector_id)["FilterNames"]


@pytest.fixture
def worked_session():
    """Steps 1-3 opened; step 2's filter saved (and step 2 done); an answer in step 3."""
    store = ProgressStore(progress_db_path())
    store.open_session(SCENARIO, SIM_ACCOUNT_KEY, seed=7)
    sim = _start()
    try:
        sim.mark_step("alert")
        sim.mark_step("filter-key")
        boto3.client("guardduty", region_name=sim.world.region, endpoint_url=sim.endpoint_url,
                     aws_access_key_id=sim.world.learner.access_key_id,
                     aws_secret_access_key=sim.world.learner.secret_access_key).create_filter(
            DetectorId=sim.world.truth.detector_id, Name="key", FindingCriteria=FILTER)
        sim.mark_step("identify-principal")
    finally:
        sim.stop()
    store.record_checks(SCENARIO, SIM_ACCOUNT_KEY, "alert", [], True)
    store.record_checks(SCENARIO, SIM_ACCOUNT_KEY, "filter-key", ["key-filtered"], True)
    store.save_answer(SCENARIO, SIM_ACCOUNT_KEY, "identify-principal", "principal", "x", False)
    store.set_current_step(SCENARIO, SIM_ACCOUNT_KEY, "identify-principal")
    store.close()


def _progress():
    store = ProgressStore(progress_db_path())
    try:
        return store.load(SCENARIO, SIM_ACCOUNT_KEY)
    finally:
        store.close()


def test_rewind_to_a_step_then_the_next_start_has_the_account_as_it_was(worked_session,
                                                                        capsys):
    assert main(["rewind", SCENARIO, "--step", "filter-key", "--yes"]) == 0
    assert "rewound to step 2 (filter-key)" in capsys.readouterr().out
    progress = _progress()
    assert progress.current_step == "filter-key"
    assert set(progress.steps_done) == {"alert"}
    assert ("identify-principal", "principal") in progress.answers  # kept
    sim = _start()
    try:
        assert _filters(sim) == []  # the filter saved during step 2 is undone
        assert sim.marked_steps() == ["alert", "filter-key"]
    finally:
        sim.stop()


def test_without_a_terminal_it_needs_yes_and_unknown_starts_are_refused(worked_session,
                                                                       capsys):
    assert main(["rewind", SCENARIO, "--step", "filter-key"]) == 2
    err = capsys.readouterr().err
    assert "1 change(s) you made since are undone" in err and "add --yes" in err
    assert main(["rewind", SCENARIO, "--step", "review", "--yes"]) == 2
    assert "step review has no saved start" in capsys.readouterr().err
    assert set(_progress().steps_done) == {"alert", "filter-key"}  # nothing changed
    sim = _start()
    try:
        assert _filters(sim) == ["key"]
    finally:
        sim.stop()


def test_without_a_session_there_is_nothing_to_rewind(capsys):
    assert main(["rewind", SCENARIO, "--yes"]) == 2
    assert "nothing to rewind" in capsys.readouterr().err
