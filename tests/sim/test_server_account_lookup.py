"""Access keys route to their account through the index exactly as through moto's scan."""

from __future__ import annotations

import moto.iam.models as iam_models
import pytest

from labguide.sim import account_lookup
from labguide.sim.errors import ExtensionError
from labguide.sim.install import install_extensions


def test_lookup_agrees_with_moto_and_follows_deleted_keys(fixture_world_factory):
    install_extensions()
    first, second = fixture_world_factory(), fixture_world_factory()
    lookup, scan = iam_models.get_account_id_from, iam_models.get_account_id_from.__wrapped__
    for world in (first, second, first):  # second round for `first` answers from the index
        assert lookup(world.learner.access_key_id) == world.account_id == scan(
            world.learner.access_key_id)
    iam = iam_models.iam_backends[first.account_id]["aws"]
    iam.delete_access_key(first.learner.access_key_id, "learner")
    assert lookup(first.learner.access_key_id) == scan(first.learner.access_key_id) == \
        "123456789012"  # moto's fallback account for unknown keys
    assert lookup("AKIANOSUCHKEY0000000") == "123456789012"


def test_changed_moto_fails_loudly_and_leaves_moto_as_it_was(monkeypatch):
    patched = iam_models.get_account_id_from
    account_lookup.EXTENSION.uninstall()  # undo: moto's own scan is back
    try:
        assert iam_models.get_account_id_from is patched.__wrapped__
        with monkeypatch.context() as changed:
            changed.delattr(iam_models, "PARTITION_NAMES")
            with pytest.raises(ExtensionError, match="PARTITION_NAMES is missing"):
                account_lookup.install()
            assert iam_models.get_account_id_from is patched.__wrapped__
            assert not account_lookup.EXTENSION.installed
    finally:
        account_lookup.install()
    assert iam_models.get_account_id_from.__wrapped__ is patched.__wrapped__


def test_handler_names_are_listed_once_per_class_and_match_moto():
    import moto.core.responses as responses

    from labguide.sim import dispatch_cache
    from labguide.sim.guardduty.responses import SimGuardDutyResponse

    install_extensions()
    dispatch_cache.install()
    names = responses.method_names_from_class(SimGuardDutyResponse)
    assert names == responses.method_names_from_class.__wrapped__(SimGuardDutyResponse)
    assert "list_findings" in names and "create_filter" in names
    names.append("not_a_handler")  # callers get a copy; the cache is not theirs to change
    assert "not_a_handler" not in responses.method_names_from_class(SimGuardDutyResponse)


def test_changed_call_action_fails_loudly(monkeypatch):
    import moto.core.responses as responses

    from labguide.sim import dispatch_cache

    monkeypatch.setattr(dispatch_cache, "_installed", False)
    monkeypatch.setattr(responses.BaseResponse, "call_action", lambda self: None)
    with pytest.raises(ExtensionError, match="call_action"):
        dispatch_cache.install()
