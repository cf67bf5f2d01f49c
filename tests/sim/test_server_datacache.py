"""The shared botocore data cache: one decoded model per process, loud failure if changed."""

from __future__ import annotations

import botocore.loaders
import botocore.session
import pytest

from labguide.sim import datacache
from labguide.sim.errors import ExtensionError
from labguide.sim.install import install_extensions


def test_sessions_share_decoded_models_and_clients_still_work():
    install_extensions()
    first = botocore.session.Session().get_service_data("ec2")
    second = botocore.session.Session().get_service_data("ec2")
    assert first is second  # decoded once, shared by both sessions' loaders
    client = botocore.session.Session().create_client(
        "guardduty", region_name="ap-southeast-2", aws_access_key_id="a",
        aws_secret_access_key="b")
    assert client.can_paginate("list_findings")
    datacache.install()  # idempotent


def test_changed_loader_fails_loudly(monkeypatch):
    monkeypatch.setattr(datacache, "_installed", False)
    monkeypatch.setattr(botocore.loaders.Loader, "load_service_model", lambda *a, **k: {})
    with pytest.raises(ExtensionError, match="load_service_model"):
        datacache.install()


def test_concurrent_first_loads_decode_once(monkeypatch):
    """Issue 12: a class's first requests arrive together; each decoded the model itself."""
    import threading

    install_extensions()
    calls = []
    barrier = threading.Barrier(8)

    def slow_load():
        calls.append(1)
        threading.Event().wait(0.05)
        return {"decoded": True}

    key = ("test-key", threading.get_ident())
    results = []

    def first_request():
        barrier.wait()
        results.append(datacache._cached(key, slow_load))

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(r is results[0] for r in results)
