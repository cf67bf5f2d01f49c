"""botocore requests answered by a SimServer's WSGI app in this process, without a socket.

Why: a class server checks every seat itself, with the seat's own signed requests. Over
loopback HTTP each seat's checker kept a pool of connections to its own server: about
400 per worker process at 100 seats, which waitress's loop visits on every wake-up
(measured at a paced 200 requests/s: 0.36 ms of server CPU a request with no idle
connection, 0.82 with 400, 1.5 with 800), plus the checker's own urllib3 send and
waitress's parsing for each request. Handed over here the request still goes through
the whole server (signature check, seat guard, observers, moto), only not through a
socket.

    client.meta.events.register("before-send.*.*", InProcess(server))
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit


class InProcess:
    """A botocore before-send handler: the request's answer from `server.wsgi_app`.

    `prepare(request)`, if given, runs first (e.g. to add a header the server reads)."""

    def __init__(self, server: Any, prepare: Callable[[Any], None] | None = None):
        self._server = server
        self._prepare = prepare

    def __call__(self, request: Any = None, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from urllib3.response import HTTPResponse

        if self._prepare is not None:
            self._prepare(request)
        environ = wsgi_environ(request)
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            answer["status"] = int(status.split(" ", 1)[0])
            answer["headers"] = headers
            return lambda data: None  # WSGI's write(): moto's apps return their bodies

        result = self._server.wsgi_app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        headers = {name: value for name, value in answer.get("headers", [])}
        status = answer.get("status", 500)
        raw = HTTPResponse(body=io.BytesIO(body), headers=headers, status=status,
                           preload_content=False, decode_content=False)
        return AWSResponse(request.url, status, headers, raw)


def wsgi_environ(request: Any) -> dict[str, Any]:
    """The WSGI environ a server on loopback would make of a prepared botocore request."""
    parts = urlsplit(request.url)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif hasattr(body, "read"):
        body = body.read()
    path = parts.path or "/"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": parts.query,
        "REQUEST_URI": path + (f"?{parts.query}" if parts.query else ""),
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": parts.netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    return environ
