"""Write moto's XML answers directly, as xmltodict.unparse would, without SAX.

moto's serializers (EC2, IAM, STS, ... and REST-XML) turn the serialized answer into
XML with `xmltodict.unparse`, which emits every element through a SAX XMLGenerator:
per element a name validation, an AttributesImpl, several handler calls. That is
about a fifth of a DescribeInstances request's CPU on a busy server.

`unparse` here writes the same characters for what moto's serializers give it
(dicts of dicts, lists, strings, numbers, booleans, None; `@attribute` and `#text`
keys; `pretty=False`; `full_document` and `short_empty_elements` either way),
emulating XMLGenerator's pending start tag, `escape` and `quoteattr` exactly and
checking names with xmltodict's own validation (remembered per name). Anything else
(an iterator, a comment, `@xmlns` maps, a non-string key, pretty printing, an output
stream, other options) goes to xmltodict's own unparse with the input untouched.
Only moto's serializer module sees this `unparse`: its `xmltodict` name is pointed at
a proxy; xmltodict itself is not changed. install() renders samples both ways and
refuses to install if any answer differs.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from labguide.sim.errors import ExtensionError

NAME = "xml-unparse"
MAX_NAMES = 20_000  # validated element/attribute names remembered
_lock = threading.Lock()
_installed = False
_valid_names: dict[str, bool] = {}

PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n'  # XMLGenerator.startDocument, utf-8


class _Fallback(Exception):  # noqa: N818 - a signal, not an error
    """The input is outside what this writer reproduces: use xmltodict's unparse."""


def _name_ok(name: Any, validate: Any) -> bool:
    if type(name) is not str:
        return False
    known = _valid_names.get(name)
    if known is None:
        try:
            validate(name, "element")
            known = True
        except ValueError:
            known = False
        if len(_valid_names) < MAX_NAMES:
            _valid_names[name] = known
    return known


class _Writer:
    """XMLGenerator's output rules (pending start tag when short), into a list."""

    __slots__ = ("parts", "short", "pending", "convert", "validate")

    def __init__(self, short: bool, convert: Any, validate: Any):
        self.parts: list[str] = []
        self.short = short
        self.pending = False
        self.convert = convert
        self.validate = validate

    def element(self, key: Any, value: Any) -> None:
        """xmltodict's `_emit` for one key (pretty off, no namespaces/preprocessor)."""
        if not _name_ok(key, self.validate):
            raise _Fallback
        if value is None or isinstance(value, (str, dict, bytes, bytearray, memoryview)):
            items: Any = (value,)
        elif isinstance(value, (list, tuple)):
            items = value
        elif hasattr(value, "__iter__"):
            raise _Fallback  # an iterator: xmltodict would consume it
        else:
            items = (value,)
        parts = self.parts
        for item in items:
            if item is None:
                item = {}
            elif not isinstance(item, (dict, str)):
                item = self.convert(item)
            attributes: list[tuple[str, str]] = []
            children: list[tuple[str, Any]] = []
            cdata: str | None
            if isinstance(item, str):
                cdata = item
            else:
                cdata = None
                for child_key, child in item.items():
                    if child_key == "#text":
                        cdata = None if child is None else self.convert(child)
                        continue
                    if type(child_key) is not str or child_key == "#comment":
                        raise _Fallback
                    if child_key.startswith("@"):
                        if child_key == "@xmlns" and isinstance(child, dict):
                            raise _Fallback
                        name = child_key[1:]
                        if not _name_ok(name, self.validate):
                            raise _Fallback
                        attributes.append(
                            (name, "" if child is None else self.convert(child)))
                        continue
                    if isinstance(child, list) and not child:
                        continue  # xmltodict skips empty lists
                    children.append((child_key, child))
            # XMLGenerator.startElement
            if self.pending:
                parts.append(">")
            parts.append("<" + key)
            for name, text in attributes:
                parts.append(f" {name}={quoteattr(text)}")
            if self.short:
                self.pending = True
            else:
                parts.append(">")
            for child_key, child in children:
                self.element(child_key, child)
            if cdata:  # XMLGenerator.characters writes nothing for ""
                if self.pending:
                    parts.append(">")
                    self.pending = False
                parts.append(escape(cdata))
            # XMLGenerator.endElement
            if self.pending:
                parts.append("/>")
                self.pending = False
            else:
                parts.append(f"</{key}>")


def make_unparse(original: Any, convert: Any, validate: Any) -> Any:
    """An `unparse` answering as `original` (xmltodict.unparse) does, faster."""

    def unparse(input_dict: Any, output: Any = None, encoding: str = "utf-8",
                full_document: bool = True, short_empty_elements: bool = False,
                comment_key: str = "#comment", **kwargs: Any) -> Any:
        arguments = (input_dict, output, encoding, full_document, short_empty_elements,
                     comment_key)
        if (output is not None or encoding != "utf-8" or comment_key != "#comment"
                or any(k != "pretty" for k in kwargs) or kwargs.get("pretty")
                or not isinstance(input_dict, dict)
                or (full_document and len(input_dict) != 1)):
            return original(*arguments, **kwargs)
        writer = _Writer(bool(short_empty_elements), convert, validate)
        try:
            for key, value in input_dict.items():
                if key == "#comment" or (full_document and isinstance(value, (list, tuple))):
                    raise _Fallback
                writer.element(key, value)
        except _Fallback:
            return original(*arguments, **kwargs)
        text = "".join(writer.parts)
        return PROLOG + text if full_document else text

    unparse.__wrapped__ = original  # type: ignore[attr-defined]
    return unparse


class _XmltodictProxy:
    """xmltodict as moto's serializer sees it: the module, with this `unparse`."""

    def __init__(self, module: Any, unparse: Any):
        self._module = module
        self.unparse = unparse

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


# Samples install() renders both ways: the shapes moto's serializers produce.
_SAMPLES: tuple[dict[str, Any], ...] = (
    {"DescribeInstancesResponse": {
        "@xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": "r-1",
        "reservationSet": {"item": [{"reservationId": "r-0", "groupSet": None,
                                     "instancesSet": {"item": [{
                                         "instanceId": "i-1", "ebsOptimized": False,
                                         "cpuOptions": {"coreCount": 1}, "tagSet": [],
                                         "empty": "", "amiLaunchIndex": 0,
                                         "score": 1.5}]}}]}}},
    {"R": {"@a": 'x"y', "@b": "it's \"q\"\n\t", "@c": None, "@d": 3, "#text": "<&>",
           "n": {"#text": None}, "m": ["a", None, {"@k": True}, 7, ["x"]],
           "t": (), "u": ("v", ""), "b": b"bytes"}},
)


def _verified() -> tuple[Any, Any, tuple[Any, Any, Any]]:
    """moto's serializer module, xmltodict, and the xmltodict functions used; checked."""
    try:
        import moto.core.serialize as serialize
        import xmltodict
    except ImportError as exc:
        raise ExtensionError(NAME, f"cannot import {exc.name}") from None
    if getattr(serialize, "xmltodict", None) is not xmltodict:
        raise ExtensionError(NAME, "moto.core.serialize no longer imports xmltodict")
    try:
        source = inspect.getsource(serialize)
    except (OSError, TypeError):
        raise ExtensionError(NAME, "cannot read moto.core.serialize's source") from None
    if "xmltodict.unparse(" not in source:
        raise ExtensionError(NAME, "moto.core.serialize no longer calls xmltodict.unparse")
    functions = []
    for name in ("unparse", "_convert_value_to_string", "_validate_name"):
        function = getattr(xmltodict, name, None)
        if not callable(function):
            raise ExtensionError(NAME, f"xmltodict.{name} is missing")
        functions.append(function)
    return serialize, xmltodict, tuple(functions)  # type: ignore[return-value]


def _check_samples(unparse: Any, original: Any) -> None:
    for sample in _SAMPLES:
        for full in (True, False):
            for short in (True, False):
                options = {"full_document": full, "short_empty_elements": short,
                           "pretty": False}
                if unparse(sample, **options) != original(sample, **options):
                    raise ExtensionError(NAME, "xmltodict.unparse writes differently now; "
                                               "its direct writer is out of date")


def install() -> None:
    """Point moto's serializer at the direct XML writer; idempotent."""
    global _installed
    with _lock:
        if not _installed:
            serialize, xmltodict, (original, convert, validate) = _verified()
            unparse = make_unparse(original, convert, validate)
            _check_samples(unparse, original)
            serialize.xmltodict = _XmltodictProxy(xmltodict, unparse)
            _installed = True
