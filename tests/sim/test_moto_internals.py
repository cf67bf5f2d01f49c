"""Every moto internal labguide imports is verified at install time; a missing or
changed one fails `install_extensions()` with its name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import labguide
from labguide.sim import moto_internals
from labguide.sim.errors import ExtensionError


def moto_imports() -> set[tuple[str, str]]:
    """(module, name) of every `from moto... import name` / `import moto...` in labguide."""
    found = set()
    for path in Path(labguide.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
                found.update((node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update((alias.name, "") for alias in node.names
                             if alias.name.split(".")[0] == "moto")
    return found


def test_every_moto_name_labguide_imports_is_verified():
    listed = {(module, name) for module, names in moto_internals.IMPORTED.items()
              for name in names}
    unlisted = sorted(moto_imports() - listed)
    assert unlisted == [], f"add these to labguide.sim.moto_internals.IMPORTED: {unlisted}"


def test_the_installed_moto_has_every_internal():
    assert moto_internals.problems() == []


def test_a_missing_name_fails_the_install(monkeypatch):
    import moto.logs.models

    monkeypatch.delattr(moto.logs.models, "logs_backends")
    monkeypatch.setattr(moto_internals, "_installed", False)
    with pytest.raises(ExtensionError, match=r"moto\.logs\.models\.logs_backends is missing"):
        moto_internals.install()


def test_a_changed_signature_fails_the_install(monkeypatch):
    from moto.iam.models import IAMBackend

    monkeypatch.setattr(IAMBackend, "create_role", lambda self, role_name: None)
    monkeypatch.setattr(moto_internals, "_installed", False)
    with pytest.raises(ExtensionError, match="IAMBackend.create_role no longer takes "
                                             "assume_role_policy_document"):
        moto_internals.install()


def test_state_backends_are_cleared_by_motos_reset_and_release_account():
    from moto import mock_aws

    from labguide.sim.clock import SimClock, clock_for, has_world, register_account_clock
    from labguide.sim.server import release_account

    with mock_aws():
        register_account_clock("210000000077", SimClock())
        assert has_world("210000000077")
        release_account("210000000077")
        assert not has_world("210000000077")
        register_account_clock("210000000078", SimClock())
    with mock_aws():  # a new mock starts from nothing, as moto's own state does
        assert not has_world("210000000078")
        assert clock_for("210000000078") is not None  # the wall clock


class _Owner:
    def first(self):
        return "moto's first"

    def second(self):
        return "moto's second"


def test_an_extension_failing_half_way_leaves_nothing_patched_and_uninstall_undoes():
    extension = moto_internals.Extension("test-extension")

    def patch(ext):
        ext.replace(_Owner, "first", lambda self: "patched")
        ext.require(False, "moto's second changed")

    with pytest.raises(ExtensionError, match="test-extension.*moto's second changed"):
        extension.install(patch)
    assert _Owner().first() == "moto's first" and not extension.installed

    def importing(ext):
        ext.replace(_Owner, "first", lambda self: "patched")
        import moto.no_such_module  # noqa: F401

    with pytest.raises(ExtensionError, match="cannot import moto.no_such_module"):
        extension.install(importing)
    assert _Owner().first() == "moto's first"

    def works(ext):
        ext.replace(_Owner, "first", lambda self: "patched")
        ext.replace(_Owner, "second", lambda self: "patched too")

    extension.install(works)
    extension.install(works)  # idempotent: patched once
    assert (_Owner().first(), _Owner().second()) == ("patched", "patched too")
    assert _Owner.first.__wrapped__(_Owner()) == "moto's first"
    extension.uninstall()
    assert (_Owner().first(), _Owner().second()) == ("moto's first", "moto's second")
