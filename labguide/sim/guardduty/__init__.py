"""GuardDuty extension: findings, ListFilters, archive, statistics and threat intel sets.

`install()` swaps moto's GuardDuty backend dictionary for ours (a subclass of
moto's backend, so detectors and filters keep working) and points moto's URL
table at our handlers. It first verifies every moto internal it relies on and
raises ExtensionError if one changed. Call it before the first GuardDuty request:
moto's server builds and caches each service's routes on first use.
"""

from __future__ import annotations

import inspect
import threading

from labguide.sim.errors import ExtensionError

NAME = "guardduty"
_lock = threading.Lock()


def _fail(problem: str) -> None:
    raise ExtensionError(NAME, problem)


def _verify_moto() -> None:
    """Check the moto internals this extension builds on; raise ExtensionError if changed."""
    try:
        import moto.backends
        import moto.guardduty
        import moto.guardduty.models as moto_models
        import moto.guardduty.responses as moto_responses
        import moto.guardduty.urls as moto_urls
        from moto.core.base_backend import BackendDict, BaseBackend
        from moto.core.responses import BaseResponse
    except ImportError as exc:
        _fail(f"cannot import {exc.name}")
        return
    for module, attribute in ((moto.guardduty, "guardduty_backends"),
                              (moto_models, "guardduty_backends"),
                              (moto_responses, "guardduty_backends"),
                              (moto_models, "GuardDutyBackend"),
                              (moto_responses, "GuardDutyResponse"),
                              (moto_urls, "url_paths"), (moto_urls, "url_bases"),
                              (moto.backends, "get_backend")):
        if not hasattr(module, attribute):
            _fail(f"{module.__name__}.{attribute} is missing")
    if not isinstance(moto_urls.url_paths, dict):
        _fail("moto.guardduty.urls.url_paths is no longer a dict")
    for path, handler in moto_urls.url_paths.items():
        owner = getattr(handler, "__self__", None)
        if getattr(handler, "__name__", "") != "dispatch" or not (
            inspect.isclass(owner) and issubclass(owner, moto_responses.GuardDutyResponse)
        ):
            _fail(f"moto.guardduty.urls.url_paths[{path!r}] no longer maps to "
                  "GuardDutyResponse.dispatch")
    for name in ("get_detector", "create_detector", "delete_detector", "create_filter",
                 "update_filter", "get_filter", "delete_filter", "list_detectors"):
        if not callable(getattr(moto_models.GuardDutyBackend, name, None)):
            _fail(f"GuardDutyBackend.{name} is missing")
    if not isinstance(getattr(moto_responses.GuardDutyResponse, "guardduty_backend", None),
                      property):
        _fail("GuardDutyResponse.guardduty_backend is no longer a property")
    for name in ("dispatch", "setup_class", "call_action", "_get_action"):
        if not hasattr(BaseResponse, name):
            _fail(f"moto.core.responses.BaseResponse.{name} is missing")
    if not isinstance(getattr(BaseBackend, "_url_module", None), property):
        _fail("BaseBackend._url_module (URL table beside the models module) is missing")
    if not issubclass(type(moto_models.guardduty_backends), BackendDict):
        _fail("moto.guardduty.models.guardduty_backends is no longer a BackendDict")


def _verify_ours() -> None:
    """Our backend must find our URL table and see moto's detector shape."""
    import moto.guardduty.urls as moto_urls

    from labguide.sim.guardduty import urls as our_urls
    from labguide.sim.guardduty.models import SimGuardDutyBackend

    missing = set(moto_urls.url_paths) - set(our_urls.url_paths)
    if missing:
        _fail(f"moto routes GuardDuty paths this extension does not: {sorted(missing)}")
    from moto.moto_api._internal import mock_random

    probe = SimGuardDutyBackend("us-east-1", "000000000000")
    if "/detector/(?P<detector_id>[^/]+)/findings$" not in probe.url_paths:
        _fail("moto no longer reads a backend's URL table from the urls module beside it")
    state = mock_random.getstate()  # the probe must not shift seeded ids of worlds
    try:
        detector = probe.get_detector(probe.create_detector(True, "SIX_HOURS", {}, {}, []))
    finally:
        mock_random.setstate(state)
    if not isinstance(getattr(detector, "filters", None), dict):
        _fail("moto's Detector no longer keeps its filters in a dict named `filters`")


def is_installed() -> bool:
    import moto.guardduty

    from labguide.sim.guardduty.models import guardduty_backends

    return moto.guardduty.guardduty_backends is guardduty_backends


def install() -> None:
    """Serve GuardDuty from SimGuardDutyBackend; idempotent; raises ExtensionError."""
    with _lock:
        if is_installed():
            return
        _verify_moto()
        _verify_ours()
        import moto.guardduty
        import moto.guardduty.models as moto_models
        import moto.guardduty.responses as moto_responses
        import moto.guardduty.urls as moto_urls

        from labguide.sim.guardduty import urls as our_urls
        from labguide.sim.guardduty.models import guardduty_backends

        moto_urls.url_paths.clear()
        moto_urls.url_paths.update(our_urls.url_paths)
        moto_models.guardduty_backends = guardduty_backends
        moto_responses.guardduty_backends = guardduty_backends
        moto.guardduty.guardduty_backends = guardduty_backends
        import moto.backends

        if moto.backends.get_backend("guardduty") is not guardduty_backends:
            _fail("moto.backends.get_backend('guardduty') does not return the installed backend")
