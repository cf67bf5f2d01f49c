"""The serializer cache answers byte for byte as moto's own attribute picker does."""

from __future__ import annotations

import moto.core.serialize as serialize
import pytest

from labguide.sim import serialize_cache
from labguide.sim.errors import ExtensionError
from labguide.sim.install import install_extensions
from tests.sim.xml_answers import xml_answers


def test_answers_match_moto_uncached(sim_server, monkeypatch):
    install_extensions()
    world = sim_server.add_world("iam-credential-theft", {}, region="us-west-2")
    first = xml_answers(world, sim_server.endpoint_url)  # names worked out and remembered
    assert serialize_cache._names  # the cache was used
    cached = xml_answers(world, sim_server.endpoint_url)  # remembered names, no contexts
    assert cached == first
    get_value = serialize.ResponseSerializer.get_value
    monkeypatch.setattr(serialize.ResponseSerializer, "get_value", get_value.__wrapped__)
    patched = serialize.AttributePicker.__call__
    monkeypatch.setattr(serialize.AttributePicker, "__call__", patched.__wrapped__)
    assert xml_answers(world, sim_server.endpoint_url) == cached  # moto's own code
    assert b"<instanceId>" in cached[0] and b"<RoleName>" in cached[3]


def test_a_changed_transformer_table_is_honoured():
    table = {"Result.Status": lambda v: "a", "Status": lambda v: "b"}
    assert serialize_cache._transform_path(table, "X.Result.Status") == "Result.Status"
    assert serialize_cache._transform_path(table, "X.Other") is None
    del table["Result.Status"]
    table["Result.Status"] = lambda v: "c"  # same keys, new order: "Status" now comes first
    assert serialize_cache._transform_path(table, "X.Result.Status") == "Status"
    table["X.Other"] = lambda v: v
    assert serialize_cache._transform_path(table, "X.Other") == "X.Other"


def test_changed_moto_fails_loudly(monkeypatch):
    serialize_cache.install()
    serialize_cache.EXTENSION.uninstall()
    originals = (serialize.AttributePicker.__call__, serialize.ResponseSerializer.get_value)
    assert not hasattr(originals[0], "__wrapped__")  # moto's own, back in place
    try:
        with monkeypatch.context() as changed:
            changed.setattr(serialize, "DEFAULT_ALIAS_PROVIDERS",
                            [serialize.NoAlias, serialize.ModelAlias])
            with pytest.raises(ExtensionError, match="default alias providers changed"):
                serialize_cache.install()
        assert (serialize.AttributePicker.__call__,
                serialize.ResponseSerializer.get_value) == originals
    finally:
        serialize_cache.install()
    assert serialize.AttributePicker.__call__.__wrapped__ is originals[0]
