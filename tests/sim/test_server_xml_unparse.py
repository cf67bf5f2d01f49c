"""The direct XML writer answers character for character as xmltodict.unparse does."""

from __future__ import annotations

import random

import moto.core.serialize as serialize
import pytest
import xmltodict

from labguide.sim import xml_unparse
from labguide.sim.errors import ExtensionError
from labguide.sim.install import install_extensions
from tests.sim.xml_answers import xml_answers

_OPTIONS = [{"full_document": full, "short_empty_elements": short, "pretty": False}
            for full in (True, False) for short in (True, False)]
_TEXTS = ["", "plain", "a & b", "<tag>", 'say "hi"', "it's", "both ' and \"", "tab\there",
          "line\nbreak", "carriage\rreturn", "ünïcødé ✓", "]]>"]
_SCALARS = [0, 7, -3, 1.5, 2.0, True, False, None, b"raw", b"\xff", *_TEXTS]
_NAMES = ["item", "instanceId", "Arn", "x", "a-b", "a.b", "ns:name"]


def _value(rng: random.Random, depth: int):
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(_SCALARS)
    if roll < 0.65:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    if roll < 0.7:
        return tuple(_value(rng, depth + 1) for _ in range(rng.randrange(0, 3)))
    node = {}
    for _ in range(rng.randrange(0, 5)):
        kind = rng.random()
        if kind < 0.15:
            node["@" + rng.choice(_NAMES[:4])] = rng.choice(_SCALARS)
        elif kind < 0.25:
            node["#text"] = rng.choice(_SCALARS)
        else:
            node[rng.choice(_NAMES)] = _value(rng, depth + 1)
    return node


def _both(document, options):
    """(ours, xmltodict's), each the text or the error's type and message."""
    def run(function):
        try:
            return function(document, **options)
        except ValueError as exc:
            return (type(exc), str(exc))

    unparse = serialize.xmltodict.unparse
    return run(unparse), run(unparse.__wrapped__)


def test_generated_documents_are_written_as_xmltodict_writes_them():
    install_extensions()
    rng = random.Random(20261128)
    for _ in range(3000):
        document = {rng.choice(_NAMES): _value(rng, 0)}
        if rng.random() < 0.2:
            document[rng.choice(_NAMES)] = _value(rng, 0)  # two roots: an error if full
        for options in _OPTIONS:
            ours, theirs = _both(document, options)
            assert ours == theirs, (document, options)


@pytest.mark.parametrize("document", [
    {"bad name": "x"},  # invalid element name: xmltodict's own error
    {"r": {"@bad=attr": "x"}},
    {"r": {"#comment": "a note", "x": "1"}},
    {"r": {"@xmlns": {"": "urn:a", "b": "urn:b"}, "x": "1"}},
    {"r": {1: "non-string key"}},
    {"r": ["one", "two"]},  # a full document with two roots
    {"#comment": "c", "r": "x"},
    {},
])
def test_what_it_does_not_write_goes_to_xmltodict(document):
    install_extensions()
    for options in _OPTIONS:
        ours, theirs = _both(document, options)
        assert ours == theirs


def test_an_iterator_is_consumed_once_by_xmltodict():
    install_extensions()
    document = {"r": {"x": (str(i) for i in range(3))}}
    assert serialize.xmltodict.unparse(document, full_document=False) == (
        xmltodict.unparse({"r": {"x": ["0", "1", "2"]}}, full_document=False))


def test_other_options_go_to_xmltodict():
    install_extensions()
    document = {"r": {"x": ["1", "2"], "@a": "b"}}
    assert (serialize.xmltodict.unparse(document, pretty=True)
            == xmltodict.unparse(document, pretty=True))
    assert (serialize.xmltodict.unparse(document, encoding="latin-1")
            == xmltodict.unparse(document, encoding="latin-1"))


def test_server_answers_match_xmltodict(sim_server, monkeypatch):
    install_extensions()
    world = sim_server.add_world("iam-credential-theft", {}, region="us-west-2")
    direct = xml_answers(world, sim_server.endpoint_url)
    monkeypatch.setattr(serialize, "xmltodict", xmltodict)
    assert xml_answers(world, sim_server.endpoint_url) == direct
    assert b"<instanceId>" in direct[0] and b"<RoleName>" in direct[3]


def test_install_refuses_a_writer_that_answers_differently():
    original = xmltodict.unparse

    def different(document, **options):
        return original(document, **options) + " "

    with pytest.raises(ExtensionError, match="out of date"):
        xml_unparse._check_samples(different, original)
    xml_unparse._check_samples(serialize.xmltodict.unparse, original)  # the installed one


def test_install_refuses_when_moto_no_longer_uses_xmltodict(monkeypatch):
    monkeypatch.setattr(serialize, "xmltodict", object())
    with pytest.raises(ExtensionError, match="no longer imports xmltodict"):
        xml_unparse._verified()
    monkeypatch.setattr(serialize, "xmltodict", xmltodict)
    assert xml_unparse._verified()[1] is xmltodict
