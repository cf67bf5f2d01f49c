"""The GuardDuty extension installs idempotently and fails loudly when moto changed."""

from __future__ import annotations

import moto.backends as moto_backends
import moto.guardduty
import moto.guardduty.models
import moto.guardduty.urls
import pytest

from labguide.sim import guardduty
from labguide.sim.errors import ExtensionError
from labguide.sim.install import install_extensions


def test_install_is_idempotent_and_routes_moto_to_the_extension():
    install_extensions()
    install_extensions()
    from labguide.sim.guardduty.models import guardduty_backends
    from labguide.sim.guardduty.responses import SimGuardDutyResponse

    assert guardduty.is_installed()
    assert moto.guardduty.models.guardduty_backends is guardduty_backends
    handlers = {h.__self__ for h in moto.guardduty.urls.url_paths.values()}
    assert handlers == {SimGuardDutyResponse}
    assert moto_backends.get_backend("guardduty") is guardduty_backends


@pytest.fixture
def uninstalled(monkeypatch):
    """Make the extension look not installed, so install() verifies moto again."""
    install_extensions()
    monkeypatch.setattr(moto.guardduty, "guardduty_backends", object())
    assert not guardduty.is_installed()
    return monkeypatch


def test_missing_backend_method_fails_loudly(uninstalled):
    uninstalled.delattr(moto.guardduty.models.GuardDutyBackend, "get_filter")
    with pytest.raises(ExtensionError, match="GuardDutyBackend.get_filter is missing"):
        guardduty.install()


def test_url_table_mapping_elsewhere_fails_loudly(uninstalled):
    uninstalled.setitem(moto.guardduty.urls.url_paths, "{0}/detector/new$", lambda *a: None)
    with pytest.raises(ExtensionError, match="no longer maps to GuardDutyResponse.dispatch"):
        install_extensions()


def test_missing_url_table_fails_loudly(uninstalled):
    uninstalled.delattr(moto.guardduty.urls, "url_paths")
    with pytest.raises(ExtensionError, match="url_paths is missing"):
        guardduty.install()


def test_unrouted_moto_path_fails_loudly(uninstalled):
    from moto.guardduty.responses import GuardDutyResponse

    uninstalled.setitem(moto.guardduty.urls.url_paths, "{0}/detector/new-moto-route$",
                        GuardDutyResponse.dispatch)
    with pytest.raises(ExtensionError, match="new-moto-route"):
        guardduty.install()
