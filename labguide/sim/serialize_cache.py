"""Remember where moto's response serializer finds each attribute, instead of re-deriving it.

moto serializes EC2 and IAM answers with `XFormedAttributePicker`: for every member of
every output shape it instantiates six alias providers to list the attribute names to
try, and tests the member's key path against every response transformer of the service
(about twenty `str.endswith` calls for EC2). DescribeInstances does this for ~150
members per instance: about 40% of the request's CPU, the largest cost of a check round
on a busy server.

Both answers depend only on what the cache is keyed by: the names to try on
(picker class, the object's class and Meta, the shape and its parent, the key) for
moto's default alias providers (each reads only those), and the first transformer
path matching a key path on the transformer table's exact keys (a table changed at
run time, as EC2's VPC peering does, gets fresh answers; the transformer itself is
always read from the table). Pickers with other providers, subclasses, and objects
carrying their own Meta go through moto's code unchanged. Once a member's names are
remembered, `ResponseSerializer.get_value` also skips building the picker's context
object and key path string (it runs once per member of every answer).
"""

from __future__ import annotations

import inspect
from typing import Any

from labguide.sim.errors import ExtensionError
from labguide.sim.moto_internals import Extension

NAME = "serialize-cache"
EXTENSION = Extension(NAME)
MAX_ENTRIES = 200_000  # names per (class, shape, key): bounded by models x shapes
MAX_TABLES = 64  # transformer tables remembered (they are per response class)
_names: dict[tuple, tuple[str, ...]] = {}
_tables: dict[int, tuple[Any, tuple[str, ...], dict[str, str | None]]] = {}

_EXPECTED_PROVIDERS = ("ExplicitAlias", "ShapeNameAlias", "NoAlias", "ShapePrefixAlias",
                       "ClassPrefixAlias", "ModelAlias")


def _transform_path(table: dict[str, Any], key_path: str) -> str | None:
    """The first path of `table` that `key_path` ends with (moto's order), remembered."""
    entry = _tables.get(id(table))
    paths = tuple(table)
    if entry is None or entry[0] is not table or entry[1] != paths:
        if entry is None and len(_tables) >= MAX_TABLES:
            return next((p for p in paths if key_path.endswith(p)), None)
        entry = (table, paths, {})
        _tables[id(table)] = entry  # holds the table, so its id is never reused
    found = entry[2]
    if key_path not in found:
        found[key_path] = next((p for p in paths if key_path.endswith(p)), None)
    return found[key_path]


def _lookup(picker: Any, obj: Any, shape: Any, key: str, cacheable: tuple[type, ...],
            serialize: Any) -> tuple[tuple | None, tuple[str, ...] | None]:
    """(memo, names remembered for it): memo None when the names cannot be cached for
    this picker and object (other providers, a subclass, an object's own Meta)."""
    kind = type(picker)
    meta = getattr(obj, "Meta", None)
    if (kind not in cacheable or picker.alias_providers is not serialize.DEFAULT_ALIAS_PROVIDERS
            or (meta is not None and meta is not getattr(type(obj), "Meta", None))):
        return None, None
    memo = (kind, obj.__class__, meta, shape, getattr(shape, "parent", None), key)
    try:
        return memo, _names.get(memo)
    except TypeError:  # an unhashable Meta object: nothing to key on
        return None, None


def _verify(serialize: Any) -> None:
    for name in ("AttributePicker", "XFormedAttributePicker", "DEFAULT_ALIAS_PROVIDERS",
                 "MISSING", "get_value"):
        if not hasattr(serialize, name):
            raise ExtensionError(NAME, f"moto.core.serialize.{name} is missing")
    providers = tuple(p.__name__ for p in serialize.DEFAULT_ALIAS_PROVIDERS)
    if providers != _EXPECTED_PROVIDERS:
        raise ExtensionError(NAME, f"moto's default alias providers changed: {providers}")
    try:
        call = inspect.getsource(serialize.AttributePicker.__call__)
        xformed = inspect.getsource(serialize.XFormedAttributePicker.get_possible_keys)
        init = inspect.getsource(serialize.AttributePicker.__init__)
    except (OSError, TypeError):
        raise ExtensionError(NAME, "cannot read moto's AttributePicker source") from None
    for needle in ("self.get_possible_keys(context)", "get_value(obj, possible_key, MISSING)",
                   'key_path = f"{context.key_path}.{context.key}"',
                   "self.response_transformers.items()", "key_path.endswith(transform_path)"):
        if needle not in call:
            raise ExtensionError(NAME, f"AttributePicker.__call__ changed (no {needle!r})")
    if "yield xform_name(possible_key)" not in xformed:
        raise ExtensionError(NAME, "XFormedAttributePicker.get_possible_keys changed")
    try:
        serializer_get_value = inspect.getsource(serialize.ResponseSerializer.get_value)
    except (AttributeError, OSError, TypeError):
        raise ExtensionError(NAME, "ResponseSerializer.get_value is missing") from None
    for needle in ("AttributePickerContext(", "obj=value,", "key=key,", "shape=shape,",
                   'key_path=".".join(self.path),', "return self._value_picker(context)"):
        if needle not in serializer_get_value:
            raise ExtensionError(NAME, f"ResponseSerializer.get_value changed (no {needle!r})")
    if "DEFAULT_ALIAS_PROVIDERS" not in init:
        raise ExtensionError(NAME, "AttributePicker no longer defaults to "
                                   "DEFAULT_ALIAS_PROVIDERS")


def install() -> None:
    """Cache the serializer's attribute names and transformer matches; idempotent."""
    EXTENSION.install(_patch)


def _patch(extension: Extension) -> None:
    import moto.core.serialize as serialize

    _verify(serialize)
    picker_class = serialize.AttributePicker
    original = picker_class.__call__
    cacheable = (picker_class, serialize.XFormedAttributePicker)
    missing, get_value = serialize.MISSING, serialize.get_value

    def pick(picker: Any, obj: Any, names: tuple[str, ...], key: str, key_path: Any,
             missing: Any) -> Any:
        """The first of `names` `obj` has (else None), through the picker's
        transformer for `key_path.key`; key_path: a string or the serializer's path."""
        value = None
        for name in names:
            found = get_value(obj, name, missing)
            if found is not missing:
                value = found
                break
        table = picker.response_transformers
        if table:
            if not isinstance(key_path, str):
                key_path = ".".join(key_path)
            path = _transform_path(table, f"{key_path}.{key}")
            if path is not None:
                value = table[path](value)
        return value

    def __call__(self: Any, context: Any) -> Any:
        obj, key = context.obj, context.key
        memo, names = _lookup(self, obj, context.shape, key, cacheable, serialize)
        if memo is None:
            return original(self, context)
        if names is None:
            names = tuple(self.get_possible_keys(context))
            if len(_names) < MAX_ENTRIES:
                _names[memo] = names
        return pick(self, obj, names, key, context.key_path, missing)

    extension.replace(picker_class, "__call__", __call__)
    _skip_context(extension, serialize, cacheable, __call__, pick)


def _skip_context(extension: Extension, serialize: Any, cacheable: tuple[type, ...],
                  patched_call: Any, pick: Any) -> None:
    """`ResponseSerializer.get_value` without its per-member AttributePickerContext and
    key path string, when the names to try are already remembered (it is called for
    every member of every answer: ~5% of a busy server's CPU)."""
    serializer_class = serialize.ResponseSerializer
    original = serializer_class.get_value
    missing = serialize.MISSING

    def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        if type(picker).__call__ is patched_call:
            _, names = _lookup(picker, value, shape, key, cacheable, serialize)
            if names is not None:
                return pick(picker, value, names, key, self.path, missing)
        # the picker works the names out (and remembers them) from a context
        return original(self, value, key, shape)

    extension.replace(serializer_class, "get_value", get_value)
