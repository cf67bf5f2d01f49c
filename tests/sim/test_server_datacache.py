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
