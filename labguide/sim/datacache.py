"""One process-wide cache of botocore's decoded data files, shared by every botocore session.

Why: botocore caches decoded JSON (service models, endpoints) per Loader, i.e. per
session, and moto creates several sessions while it starts. The first EC2 request of
a process decodes EC2's large service model four times (three `boto3.Session()`s in
moto's region/zone table, one more for moto's region list) plus the endpoint data:
most of the ~2 s that the first EC2 call costs. Sharing the decoded data across
loaders, as botocore already shares it across the clients of one session, makes each
file decoded once per process. Keys include the loader's search paths and extension
types, so loaders that would see different files never share an entry.
"""

from __future__ import annotations

import threading
from typing import Any

from labguide.sim.errors import ExtensionError

NAME = "botocore-data-cache"
_lock = threading.Lock()
_cache: dict[tuple, Any] = {}
_key_locks: dict[tuple, threading.Lock] = {}  # one per entry: concurrent first loads wait


def _cached(key: tuple, load: Any) -> Any:
    """The entry for `key`, loaded once: a class's first requests all arrive together, and
    without a lock per key each of them decoded the same large model (issue 12: 30 seats'
    first DescribeInstances took 6-7 s sent together, 0.7 s one after another)."""
    value = _cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    with _lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        value = _cache.get(key, _MISSING)
        if value is _MISSING:
            value = _cache[key] = load()
    return value


_MISSING = object()
_installed = False


def _key(loader: Any, *parts: Any) -> tuple:
    return (*parts, tuple(loader.search_paths), tuple(getattr(loader, "extension_types", ())))


def install() -> None:
    """Share decoded botocore data between loaders; idempotent; ExtensionError if changed."""
    global _installed
    with _lock:
        if _installed:
            return
        from botocore import loaders

        loader_class = getattr(loaders, "Loader", None)
        for name in ("load_service_model", "load_data_with_path"):
            method = getattr(loader_class, name, None)
            if method is None or getattr(method, "__name__", "") != "_wrapper":
                raise ExtensionError(NAME, f"botocore.loaders.Loader.{name} is no longer "
                                           "an instance-cached method")
        if not isinstance(getattr(loader_class(), "search_paths", None), list):
            raise ExtensionError(NAME, "botocore Loader.search_paths is no longer a list")
        load_model = loader_class.load_service_model
        load_data = loader_class.load_data_with_path

        def load_service_model(self: Any, service_name: str, type_name: str,
                               api_version: str | None = None) -> Any:
            key = _key(self, "model", service_name, type_name, api_version)
            return _cached(key, lambda: load_model(self, service_name, type_name, api_version))

        def load_data_with_path(self: Any, name: str) -> Any:
            key = _key(self, "data", name)
            return _cached(key, lambda: load_data(self, name))

        loader_class.load_service_model = load_service_model
        loader_class.load_data_with_path = load_data_with_path
        _installed = True
