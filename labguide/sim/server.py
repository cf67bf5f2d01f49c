"""A moto server on loopback that holds simulated worlds, one account each.

`SimServer` serves moto's DomainDispatcherApplication (every service moto knows,
plus the installed extensions) through werkzeug's threaded server, bound to
127.0.0.1 on an OS-chosen port unless told otherwise. Requests under
`/moto-api/labguide/` are answered by `labguide.sim.moto_api` for this server's
worlds; observers (the embedded journal) see every request that moto answered.

moto keeps its state per process: worlds of every SimServer in a process share
moto's backends and stay apart by account id, which is why account ids are
allocated process-wide here.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from labguide.sim.install import install_extensions

# (environ, request body, HTTP status code) of a request moto answered.
RequestObserver = Callable[[dict[str, Any], bytes, int], None]

_account_ids = itertools.count(1)
_account_lock = threading.Lock()
_ACCOUNT_BASE = 210_000_000_000
_live_accounts: set[str] = set()  # accounts holding a world of a running SimServer
_log = logging.getLogger(__name__)

# moto loads ~1,300 public AMIs into every account's EC2 backend (60-150 ms and a few MB
# per account); worlds register the AMIs they use themselves. An explicit setting wins.
DEFAULT_AMIS_SETTING = "MOTO_EC2_LOAD_DEFAULT_AMIS"


def skip_default_amis() -> None:
    """Have moto create EC2 backends without its default AMIs, unless the user chose."""
    os.environ.setdefault(DEFAULT_AMIS_SETTING, "false")


def allocate_account_id() -> str:
    """A fresh 12-digit account id, distinct within this process (moto state is per process)."""
    with _account_lock:
        return f"{_ACCOUNT_BASE + next(_account_ids) * 7919:012d}"


def release_account(account_id: str) -> None:
    """Drop every moto backend of an account, so a world can be rebuilt in it (resume)."""
    from moto.core.base_backend import BackendDict

    with _account_lock:
        _live_accounts.discard(account_id)
    for backends in list(BackendDict._instances):
        backends.pop(account_id, None)
        # S3 bucket names are global: moto keeps name -> (partition, account) beside them.
        names = getattr(backends, "bucket_accounts", None)
        if isinstance(names, dict):
            owned = [b for b, owner in list(names.items())
                     if account_id in (owner if isinstance(owner, tuple) else (owner,))]
            for bucket in owned:
                names.pop(bucket, None)


def _claim_account(account_id: str) -> None:
    with _account_lock:
        if account_id in _live_accounts:
            raise ValueError(f"account {account_id} already holds a world in this process")
        _live_accounts.add(account_id)


@dataclass(frozen=True)
class HostedWorld:
    """A world this server holds, with the name of the world kind it was built from."""

    name: str
    world: Any


class _Application:
    """WSGI entry: labguide's moto-api routes first, then moto; observers see moto's answers."""

    def __init__(self, server: SimServer):
        from moto.moto_server.werkzeug_app import create_backend_app

        from labguide.sim.moto_api import LABGUIDE_PREFIX, LabguideApi

        self._moto = _dispatcher_class()(create_backend_app)
        self._api = LabguideApi(server)
        self._prefix = LABGUIDE_PREFIX
        self._server = server

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(self._prefix):
            return self._api(environ, start_response)
        observers = self._server.observers
        if not observers:
            return self._moto(environ, start_response)
        body = _read_body(environ)
        status_holder: list[int] = []

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            status_holder.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        result = self._moto(environ, capture)
        if status_holder:
            for observer in observers:
                observer(environ, body, status_holder[0])
        return result


def _dispatcher_class() -> type:
    """moto's DomainDispatcherApplication, remembering which backend serves which host.

    moto resolves the backend of every request anew, scanning its package folder on disk
    (`list_of_moto_modules`) each time: about a millisecond per request, the largest
    fixed cost under load. The answer for a host never changes while a process runs.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    class CachingDispatcher(DomainDispatcherApplication):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._backend_for_host: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            if host not in self._backend_for_host:
                self._backend_for_host[host] = super().get_backend_for_host(host)
            return self._backend_for_host[host]

    return CachingDispatcher


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back, so moto reads it as if untouched."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: the OS chooses)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
    except BaseException:
        listener.close()
        raise
    return listener


MAX_KEEP_ALIVE_BODY = 16 * 1024 * 1024  # larger request bodies close the connection after
KEEP_ALIVE_IDLE_SECONDS = 60  # an idle kept-alive connection is closed after this


def _handler_class(connections: set[socket.socket], lock: threading.Lock) -> type:
    """moto's request handler, quiet and keeping connections alive.

    werkzeug's server closes every connection after one answer (it cannot tell where a
    request body ends), so every AWS call paid a new TCP connection and a new server
    thread. When the request says where its body ends (Content-Length, no chunking, no
    `Expect: 100-continue`), this reads the body first and lets werkzeug read (and
    drain) only that, so the connection can carry the next request. Open connections
    are tracked so that `SimServer.stop()` can end them: a stopped server answers nothing.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class KeepAliveRequestHandler(MotoRequestHandler):
        timeout = KEEP_ALIVE_IDLE_SECONDS
        _keep_alive = False

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; with Nagle's algorithm on a kept-alive
            # connection each answer would wait for the client's delayed ACK (~40 ms a call).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with lock:
                connections.add(self.connection)

        def finish(self) -> None:
            with lock:
                connections.discard(self.connection)
            super().finish()

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None  # no log line per request (hundreds a second under load)

        def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
            if format.startswith("Request timed out"):
                return None  # an idle kept-alive connection expiring is not an error
            super().log_error(format, *args)

        def _body_length(self) -> int | None:
            """The request body's length, if it may be read up front; else None."""
            headers = self.headers
            if self.close_connection or "Transfer-Encoding" in headers or "Expect" in headers:
                return None
            try:
                length = int(headers.get("Content-Length") or 0)
            except ValueError:
                return None
            return length if 0 <= length <= MAX_KEEP_ALIVE_BODY else None

        def run_wsgi(self) -> None:
            length = self._body_length()
            if length is None:
                return super().run_wsgi()  # werkzeug's way: answer, then close
            connection_input = self.rfile
            body = connection_input.read(length) if length else b""
            if len(body) < length:  # the client went away mid-body
                self.close_connection = True
                return None
            self.rfile, self._keep_alive = io.BytesIO(body), True
            try:
                return super().run_wsgi()
            finally:
                self.rfile, self._keep_alive = connection_input, False

        def send_header(self, keyword: str, value: str) -> None:
            if (self._keep_alive and keyword.lower() == "connection"
                    and value.lower() == "close"):
                return  # werkzeug closes every connection; this one stays open
            super().send_header(keyword, value)

    return KeepAliveRequestHandler


class SimServer:
    """moto plus labguide's extensions, serving worlds on loopback; start() before use."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._worlds: dict[str, HostedWorld] = {}
        self._worlds_lock = threading.Lock()
        self.observers: list[RequestObserver] = []
        self.wsgi_app: Any = None
        self._driver: threading.Thread | None = None
        self._driver_stop = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    # ----- lifecycle -----------------------------------------------------------------------

    def start(self) -> SimServer:
        """Install the extensions, bind (OSError if the port is taken) and serve in a thread."""
        if self._server is not None:
            return self
        skip_default_amis()
        install_extensions()
        from werkzeug.serving import make_server

        listener = _listen(self.host, self.port)  # raises OSError; werkzeug would sys.exit
        try:
            self.wsgi_app = _Application(self)
            self._server = make_server(self.host, self.port, self.wsgi_app, threaded=True,
                                       request_handler=_handler_class(self._connections,
                                                                      self._connections_lock),
                                       fd=listener.fileno())
        finally:
            listener.close()  # werkzeug holds its own duplicate of the socket
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=f"labguide-sim-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop every world's attacker and the server, then free the worlds' accounts."""
        self._driver_stop.set()
        if self._driver is not None and self._driver is not threading.current_thread():
            self._driver.join(timeout=10)
        self._driver = None
        for hosted in self.worlds_with_names.values():
            hosted.world.stop()
        with self._worlds_lock:
            accounts, self._worlds = list(self._worlds), {}
        for account_id in accounts:
            release_account(account_id)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._close_connections()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _close_connections(self) -> None:
        """End kept-alive connections, so a stopped server answers no further request."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SimServer.start() has not been called")
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    # ----- worlds --------------------------------------------------------------------------

    def add_world(self, name: str, params: Mapping[str, Any], *, region: str,
                  account_id: str | None = None, seed: int = 0,
                  epoch: datetime | None = None) -> Any:
        """Build world `name` in a fresh (or given) account and serve it; returns the World."""
        skip_default_amis()
        install_extensions()
        from labguide.sim.worlds import build_world

        account_id = account_id or allocate_account_id()
        _claim_account(account_id)
        try:
            world = build_world(name, dict(params), account_id=account_id, region=region,
                                seed=seed, epoch=epoch)
        except BaseException:
            release_account(account_id)
            raise
        with self._worlds_lock:
            self._worlds[account_id] = HostedWorld(name, world)
        return world

    def host_world(self, name: str, world: Any) -> Any:
        """Serve a world already built in this process's moto backends; returns it."""
        _claim_account(world.account_id)
        with self._worlds_lock:
            self._worlds[world.account_id] = HostedWorld(name, world)
        return world

    @property
    def worlds(self) -> Mapping[str, Any]:
        """The worlds served, by account id (read-only)."""
        with self._worlds_lock:
            return MappingProxyType({a: h.world for a, h in self._worlds.items()})

    @property
    def worlds_with_names(self) -> Mapping[str, HostedWorld]:
        with self._worlds_lock:
            return MappingProxyType(dict(self._worlds))

    def start_realtime(self, poll_seconds: float = 1.0) -> None:
        """Run every world's attacker on the wall clock (for `sim serve`), idempotent.

        One driver thread ticks every world each `poll_seconds`, worlds added later
        included, instead of a thread per world (hundreds in a classroom)."""
        if self._driver is not None and self._driver.is_alive():
            return
        self._driver_stop.clear()
        self._driver = threading.Thread(target=self._drive, args=(poll_seconds,),
                                        name=f"labguide-sim-worlds-{self.port}", daemon=True)
        self._driver.start()

    def _drive(self, poll_seconds: float) -> None:
        while not self._driver_stop.wait(poll_seconds):
            self.tick_worlds()

    def tick_worlds(self) -> int:
        """Run what fell due in every world once; returns how many worlds ticked cleanly.
        A failing world is logged and the others still tick."""
        ticked = 0
        for account_id, world in self.worlds.items():
            if self._driver_stop.is_set():
                break
            try:
                world.tick()
                ticked += 1
            except Exception:  # noqa: BLE001 - one broken world must not stop the others
                _log.exception("world %s: tick failed", account_id)
        return ticked
