"""Remember each response class's handler names instead of listing them on every request.

moto's `BaseResponse.call_action` lists the methods of the response class with
`inspect.getmembers` on every request (about 0.4 ms, a tenth of a request's cost on a
busy server). A class's methods do not change while a process serves, so the list is
computed once per class. The cache is keyed by class, so a class patched later (tests
monkeypatching a handler in) gets a fresh entry only if it is a new class: patching
an existing class's methods after its first request is not supported, as in moto
servers, whose routes are fixed at the first request anyway.
"""

from __future__ import annotations

import functools
import inspect
import threading

from labguide.sim.errors import ExtensionError

NAME = "dispatch-cache"
_lock = threading.Lock()
_installed = False


def install() -> None:
    """Cache moto's per-class handler names; idempotent; ExtensionError if moto changed."""
    global _installed
    with _lock:
        if _installed:
            return
        import moto.core.responses as responses

        original = getattr(responses, "method_names_from_class", None)
        if not callable(original):
            raise ExtensionError(NAME, "moto.core.responses.method_names_from_class is missing")
        try:
            source = inspect.getsource(responses.BaseResponse.call_action)
        except (AttributeError, OSError, TypeError):
            raise ExtensionError(NAME, "BaseResponse.call_action is missing") from None
        if "method_names_from_class(self.__class__)" not in source:
            raise ExtensionError(NAME, "BaseResponse.call_action no longer lists handlers "
                                       "with method_names_from_class(self.__class__)")
        cached = functools.lru_cache(maxsize=1024)(original)

        def method_names_from_class(clazz: object) -> list[str]:
            return list(cached(clazz))

        method_names_from_class.__wrapped__ = original  # type: ignore[attr-defined]
        responses.method_names_from_class = method_names_from_class
        _installed = True
