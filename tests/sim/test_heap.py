"""The simulator's heap policy: no collections while a world is built, then frozen."""

from __future__ import annotations

import gc

import pytest

from labguide.sim.heap import built_to_last, release, settle


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
