"""A total deadline for one AWS call, and answers that are not whole.

botocore bounds each socket read (read_timeout), not a call: an endpoint that sends a
byte every few seconds is never given up on. Here every connection a call takes from
a client's pool is noted for the calling thread; when the call's deadline passes, a
timer shuts those sockets down, so the blocked read ends at once, and connections
taken after that (botocore's retries) are refused.

botocore's JSON parser also takes a body that is not JSON (a 200 cut mid-body) as an
empty answer, so ListDetectors "finds" no detector. `check_whole` refuses a 2xx
answer whose body does not parse in the protocol of its service.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.etree import ElementTree

from botocore.awsrequest import AWSHTTPConnectionPool, AWSHTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError

_local = threading.local()


class _Call:
    def __init__(self) -> None:
        self.connections: list[Any] = []
        self.expired = threading.Event()
        self.lock = threading.Lock()

    def expire(self) -> None:
        with self.lock:
            self.expired.set()
            held = list(self.connections)
        for connection in held:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Tracked:
    """A pool whose connections are noted for the call that takes them."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        call: _Call | None = getattr(_local, "call", None)
        if call is not None and call.expired.is_set():
            raise ConnectTimeoutError(self, "the call's deadline has passed")
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        if call is not None:
            with call.lock:
                call.connections.append(connection)
        return connection


class _HTTPPool(_Tracked, AWSHTTPConnectionPool):
    pass


class _HTTPSPool(_Tracked, AWSHTTPSConnectionPool):
    pass


def install(client: Any) -> bool:
    """Make `client`'s connections follow call deadlines, direct or through a proxy
    (HTTPS_PROXY / HTTP_PROXY / a proxies config: botocore gives each proxy its own
    urllib3 ProxyManager, built from the session's pool classes); False if botocore's
    internals are not what this expects (the per-read timeout still applies then)."""
    session = getattr(getattr(client, "_endpoint", None), "http_session", None)
    manager = getattr(session, "_manager", None)
    if manager is None or not isinstance(getattr(manager, "pool_classes_by_scheme", None),
                                         dict):
        return False
    tracked = {"http": _HTTPPool, "https": _HTTPSPool}
    manager.pool_classes_by_scheme = tracked
    proxies = getattr(session, "_proxy_managers", None)
    if not isinstance(getattr(session, "_pool_classes_by_scheme", None), dict) or \
            not isinstance(proxies, dict):
        return False  # direct connections are covered, proxied ones would not be
    session._pool_classes_by_scheme = tracked  # the proxy managers made from now on
    for proxy_manager in proxies.values():
        proxy_manager.pool_classes_by_scheme = tracked
    return True


@contextmanager
def deadline(seconds: float) -> Iterator[threading.Event]:
    """Within the block, this thread's calls end by `seconds` from now; the event tells
    whether the deadline passed."""
    call = _Call()
    outer = getattr(_local, "call", None)
    _local.call = call
    timer = threading.Timer(seconds, call.expire)
    timer.daemon = True
    timer.start()
    try:
        yield call.expired
    finally:
        timer.cancel()
        _local.call = outer


class NotWhole(Exception):
    """A 2xx answer whose body does not parse: cut, or not from an AWS API."""


def check_whole(http_response: Any, model: Any, **_: Any) -> None:
    """botocore `after-call` hook: refuse a 2xx body that does not parse in its protocol."""
    status = getattr(http_response, "status_code", 0)
    if not 200 <= status < 300 or getattr(http_response, "raw", None) is None:
        return  # an error, or a stubbed answer (botocore's Stubber) with no body read
    body = http_response.content or b""
    if not body.strip():
        return
    protocol = model.service_model.protocol
    try:
        if protocol in ("json", "rest-json"):
            json.loads(body)
        elif protocol in ("query", "ec2", "rest-xml"):
            if model.output_shape is None and protocol == "rest-xml":
                return
            ElementTree.fromstring(body)
    except (ValueError, ElementTree.ParseError):
        raise NotWhole(f"{len(body)} bytes that are not {protocol} "
                       "(the answer was cut or is not from an AWS API)") from None
