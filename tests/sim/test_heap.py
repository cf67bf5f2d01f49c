"""The simulator's heap policy: no collections while a world is built, then frozen."""

from __future__ import annotations

import gc

import pytest

from labguide.sim.heap import built_to_last, end_start_hold, hold_for_start, release, settle


@pytest.fixture(autouse=True)
def _restore_gc():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_building_collects_nothing_then_freezes_what_was_built():
    gc.enable()
    gc.unfreeze()
    built = None
    with built_to_last():
        assert not gc.isenabled()
        built = [{"n": i} for i in range(1000)]
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    assert frozen >= len(built)
    assert not any(obj is built for obj in gc.get_objects())  # no longer walked
    settle()  # freezing again is cumulative
    assert gc.get_freeze_count() >= frozen
    release()
    assert gc.get_freeze_count() == 0


def test_a_failed_build_still_restores_collection():
    gc.enable()
    with pytest.raises(RuntimeError), built_to_last():
        raise RuntimeError("the world could not be built")
    assert gc.isenabled()


def test_collection_left_off_by_the_caller_stays_off():
    gc.disable()
    with built_to_last():
        pass
    assert not gc.isenabled()


def test_the_apps_start_collects_nothing_until_its_first_frame_then_freezes():
    gc.enable()
    gc.unfreeze()
    hold_for_start()
    assert not gc.isenabled()
    started = [{"n": i} for i in range(1000)]  # what the start imports and builds
    end_start_hold()  # the first frame (LabGuideApp.on_ready)
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(started)
    gc.disable()
    end_start_hold()  # once only: a second call changes nothing
    assert not gc.isenabled()


def test_a_start_hold_leaves_collection_off_if_the_caller_had_it_off():
    gc.disable()
    hold_for_start()
    end_start_hold()
    assert not gc.isenabled()


def test_a_run_that_never_draws_ends_the_hold(capsys):
    """`labguide run` refused before the app opened: collection is on again."""
    from labguide.cli import main

    gc.enable()
    assert main(["run", "compromised-iam-credentials", "--sim", "--region", "us-west-9"]) == 2
    assert gc.isenabled()
