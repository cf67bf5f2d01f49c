"""A moto server on loopback that holds simulated worlds, one account each.

`SimServer` serves moto's DomainDispatcherApplication (every service moto knows,
plus the installed extensions) through waitress, bound to 127.0.0.1 on an OS-chosen
port unless told otherwise. waitress rather than werkzeug's development server: its
connections are multiplexed on one thread and requests served by a fixed pool, so
hundreds of kept-alive clients cost no thread each (werkzeug: one thread per
connection, 1,100 held connections made 1,103 threads), and bodies past 512 KB are
buffered on disk. With `check_signatures`, every AWS request must be signed (SigV4)
with the secret of a key in an account this server holds; with `admin_token`,
`/moto-api/` needs it and moto's recorder, reset and data dump are off. Requests under
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
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from labguide.sim import aws_errors
from labguide.sim.addresses import WILDCARDS
from labguide.sim.install import install_extensions

# (environ, request body, HTTP status code) of a request moto answered.
RequestObserver = Callable[[dict[str, Any], bytes, int], None]

_account_ids = itertools.count(1)
_account_lock = threading.Lock()
_ACCOUNT_BASE = 210_000_000_000
_live_accounts: set[str] = set()  # accounts holding a world of a running SimServer
_log = logging.getLogger(__name__)
GATE_WAIT_SECONDS = 30  # a request waits this long at most for a world being swapped

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


def random_credentials() -> Any:
    """A fresh learner key pair, from the operating system's randomness."""
    import secrets
    import string

    from labguide.sim.worlds.world import Credentials

    alphabet = string.ascii_uppercase + string.digits
    key_id = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "+/")
                     for _ in range(40))
    return Credentials(key_id, secret)


def rekey_learner(world: Any, credentials: Any) -> None:
    """Give the world's learner these keys instead of its seeded ones (same user, same age)."""
    from moto.iam.models import iam_backends

    iam = iam_backends[world.account_id]["aws"]
    old = iam.access_keys.pop(world.learner.access_key_id)
    old.access_key_id = credentials.access_key_id
    old.secret_access_key = credentials.secret_access_key
    iam.access_keys[credentials.access_key_id] = old
    world.learner = credentials


@dataclass(frozen=True)
class HostedWorld:
    """A world this server holds, with the name of the world kind it was built from."""

    name: str
    world: Any


class _Application:
    """WSGI entry: body cap, admin gate, extra routes, signature checks, then moto.

    Order matters: a body over the cap is refused before anything reads it; `/moto-api/`
    needs the admin token when the server has one (and moto's recorder, reset, data dump
    and replay are never served in that mode); routes registered by a higher layer (the
    class API) answer their own prefixes; every other request is an AWS call whose
    signature must check out when the server checks signatures. Observers see moto's
    answers. An exception escaping moto is one log line and AWS's InternalFailure.
    """

    def __init__(self, server: SimServer):
        from moto.moto_server.werkzeug_app import create_backend_app

        from labguide.sim.moto_api import LABGUIDE_PREFIX, LabguideApi

        self._moto = _dispatcher_class()(create_backend_app)
        self._api = LabguideApi(server)
        self._prefix = LABGUIDE_PREFIX
        self._server = server

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        try:
            return self._serve(environ, start_response)
        except Exception as exc:  # noqa: BLE001 - one line per failed request, never a traceback
            _log.warning("%s %s: %s", environ.get("REQUEST_METHOD"),
                         _printable(environ.get("PATH_INFO", ""))[:200], _one_line(exc))
            failure = sys.exc_info()

            def restart(status: str, headers: list, exc_info: Any = None) -> Any:
                return start_response(status, headers, failure)  # headers may be out already

            return aws_errors.answer(environ, restart, b"", "InternalFailure",
                                     "The request processing has failed because of an "
                                     "unknown error, exception or failure.", 500)

    def _serve(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        server = self._server
        server.wait_gate()
        path = environ.get("PATH_INFO", "")
        length = _content_length(environ)
        if length is None or length > server.max_body:
            return aws_errors.answer(
                environ, start_response, b"", "RequestEntityTooLarge",
                f"Request body of {length} bytes exceeds the limit of {server.max_body} bytes."
                if length is not None else "Request body length is not valid.",
                413 if length is not None else 400)
        if path.startswith("/moto-api"):
            refusal = server.admin_refusal(environ)
            if refusal is not None:
                return _json_answer(start_response, *refusal)
            if path.startswith(self._prefix):
                return self._api(environ, start_response)
            return self._moto(environ, start_response)
        for prefix, app in server.routes.items():
            if path.startswith(prefix):
                return app(environ, start_response)
        trusted = environ.get(TRUSTED_ENVIRON_KEY) is True
        observers = server.observers
        checker = server.signature_checker
        if not observers and (checker is None or trusted):
            return self._moto(environ, start_response)
        body = _read_body(environ)
        if checker is not None and not trusted:
            from labguide.sim.sigv4 import SignatureError

            try:
                signed = checker.check(environ, body)
                server.guard(environ, body, signed)
                if not environ.get("HTTP_AUTHORIZATION"):
                    # A presigned request: moto finds the service and the account only in an
                    # Authorization header, and would otherwise serve its default account.
                    environ["HTTP_AUTHORIZATION"] = signed.as_header()
            except SignatureError as refused:
                return aws_errors.refuse(environ, start_response, body, refused)
        if not observers:
            return self._moto(environ, start_response)
        status_holder: list[int] = []

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            status_holder.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        for arrived in server.arrivals:
            arrived(environ)
        result = self._moto(environ, capture)
        if status_holder:
            for observer in observers:
                try:
                    observer(environ, body, status_holder[0])
                except Exception as exc:  # noqa: BLE001 - the answer stands; say what broke
                    _log.warning("observer %s failed on %s %s: %s",
                                 getattr(observer, "__name__", type(observer).__name__),
                                 environ.get("REQUEST_METHOD"),
                                 _printable(environ.get("PATH_INFO", ""))[:200],
                                 _one_line(exc))
        return result


TRUSTED_ENVIRON_KEY = "labguide.trusted"  # set in-process only (journal replay); never HTTP
# The world's time when the request reached moto, stamped by an arrival hook (a journal's):
# a request answered late on a loaded server is replayed at the moment moto acted on it.
ARRIVED_AT_ENVIRON_KEY = "labguide.arrived_at"


def _content_length(environ: dict[str, Any]) -> int | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    return length if length >= 0 else None


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def _one_line(exc: BaseException) -> str:
    return _printable(f"{type(exc).__name__}: {exc}".replace("\n", " "))[:300]


def _json_answer(start_response: Callable, status: int, message: str) -> Iterable[bytes]:
    import json

    body = json.dumps({"message": message}).encode()
    reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(status, "Error")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                           ("Content-Length", str(len(body)))])
    return [body]


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


def bearer_matches(environ: dict[str, Any], token: str) -> bool:
    """True if the request carries `Authorization: Bearer TOKEN` (compared in constant time)."""
    import hmac

    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: the OS chooses)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: headers and body go out in separate writes, and
        # with Nagle's algorithm each kept-alive answer would wait for a delayed ACK (~40 ms).
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind((host, port))
        listener.listen(1024)
    except BaseException:
        listener.close()
        raise
    return listener


MAX_REQUEST_BODY = 10 * 1024 * 1024  # larger bodies get a 413 in AWS's format, unread
# waitress buffers bodies past 512 KB in a temporary file, not memory; past this it refuses
# them itself (plain text) without reading them.
MAX_BUFFERED_BODY = 8 * MAX_REQUEST_BODY
KEEP_ALIVE_IDLE_SECONDS = 120  # an idle kept-alive connection is closed after this
SERVER_THREADS = 8  # requests served at once; idle connections hold no thread
MAX_CONNECTIONS = 2000  # past this, new connections wait in the listen backlog
_BLOCKED_MOTO_API = ("/moto-api/recorder", "/moto-api/reset", "/moto-api/data.json",
                     "/moto-api/proxy", "/moto-api/seed", "/moto-api/state")


def _quiet_waitress() -> None:
    """waitress's queue-depth warnings would print a line a second under a class's load."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


class SimServer:
    """moto plus labguide's extensions, serving worlds on loopback; start() before use."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 check_signatures: bool = False, admin_token: str | None = None,
                 threads: int = SERVER_THREADS, max_body: int = MAX_REQUEST_BODY):
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._worlds: dict[str, HostedWorld] = {}
        self._worlds_lock = threading.Lock()
        self.observers: list[RequestObserver] = []
        # called with the environ just before moto answers a request that observers see
        self.arrivals: list[Callable[[dict[str, Any]], None]] = []
        self.routes: dict[str, Callable] = {}  # path prefix -> WSGI app (a higher layer's API)
        self.wsgi_app: Any = None
        self.admin_token = admin_token
        self.public_url: str | None = None  # what clients are told, when not this host:port
        self.paused = False  # True: the worlds' actors (attackers) wait
        self.max_body = max_body
        self.threads = threads
        self.signature_checker: Any = None
        if check_signatures:
            from labguide.sim.sigv4 import SignatureChecker

            self.signature_checker = SignatureChecker(self.key_record)
        self._driver: threading.Thread | None = None
        self._driver_stop = threading.Event()
        self._gate = threading.Event()  # cleared while a world is swapped (held())
        self._gate.set()
        self._gate_holder: int | None = None

    # ----- lifecycle -----------------------------------------------------------------------

    def start(self) -> SimServer:
        """Install the extensions, bind (OSError if the port is taken) and serve in a thread."""
        if self._server is not None:
            return self
        skip_default_amis()
        install_extensions()
        if self.signature_checker is not None:
            # moto serves any account's bucket by name; AWS needs a bucket policy for that.
            os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = "false"
        from waitress import create_server

        _quiet_waitress()
        listener = _listen(self.host, self.port)  # raises OSError if taken
        try:
            self.wsgi_app = _Application(self)
            self._server = create_server(
                self.wsgi_app, sockets=[listener], threads=self.threads,
                connection_limit=MAX_CONNECTIONS, channel_timeout=KEEP_ALIVE_IDLE_SECONDS,
                cleanup_interval=max(1, min(30, KEEP_ALIVE_IDLE_SECONDS // 2)),
                max_request_body_size=MAX_BUFFERED_BODY, expose_tracebacks=False,
                ident="labguide-sim", clear_untrusted_proxy_headers=True,
                # poll(), not select(): select() refuses descriptors past 1023, and a class
                # server holds more (200 seats' connections and their checks' own); its loop
                # died of that, the server still listening but reading nothing
                asyncore_use_poll=True)
        except BaseException:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve_forever,
                                        name=f"labguide-sim-{self.port}", daemon=True)
        self._thread.start()
        return self

    def _serve_forever(self) -> None:
        server = self._server
        try:
            server.run()
        except (OSError, ValueError) as exc:
            if self._server is server:  # not stopping: a server reading nothing must say so
                _log.error("the simulator's HTTP loop on port %s stopped: %s", self.port,
                           _one_line(exc))

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
            self._close_server(self._server)
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    @staticmethod
    def _close_server(server: Any) -> None:
        """Close the listener and every connection (a stopped server answers nothing)."""
        for _ in range(100):
            channels = list(server._map.values())
            if not channels:
                break
            for channel in channels:
                try:
                    channel.close() if channel is server else channel.handle_close()
                except (OSError, KeyError):
                    pass
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)

    @property
    def connections(self) -> int:
        """Open client connections (kept-alive included)."""
        if self._server is None:
            return 0
        from waitress.channel import HTTPChannel

        return sum(isinstance(c, HTTPChannel) for c in list(self._server._map.values()))

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold every other thread's requests (up to GATE_WAIT_SECONDS each) while this
        thread swaps a world: a request never meets an account half rebuilt, nor moto's
        default account where the learner's world was a moment before."""
        self._gate_holder = threading.get_ident()
        self._gate.clear()
        try:
            yield
        finally:
            self._gate_holder = None
            self._gate.set()

    def wait_gate(self) -> None:
        if not self._gate.is_set() and threading.get_ident() != self._gate_holder:
            self._gate.wait(GATE_WAIT_SECONDS)

    # ----- who may do what -----------------------------------------------------------------

    def admin_refusal(self, environ: dict[str, Any]) -> tuple[int, str] | None:
        """(status, message) if this `/moto-api/` request is refused; None if allowed.

        Without an admin token the server is a single learner's (embedded): all open.
        With one, the token must come as `Authorization: Bearer TOKEN`, and moto's
        recorder, reset, data dump, proxy and replay routes are never served."""
        if self.admin_token is None:
            return None
        path = environ.get("PATH_INFO", "")
        if path.startswith(_BLOCKED_MOTO_API) or "replay" in path or "recording" in path:
            return 403, f"{path} is turned off on this server"
        if path == "/moto-api/labguide/health":
            return None
        if not bearer_matches(environ, self.admin_token):
            return 401, "this route needs the instructor token (Authorization: Bearer TOKEN)"
        return None

    def key_record(self, access_key_id: str) -> Any:
        """The secret (and session token) of a key in an account this server holds, or None."""
        from moto.iam.models import get_account_id_from, iam_backends
        from moto.sts.models import sts_backends

        from labguide.sim.sigv4 import KeyRecord

        account_id = get_account_id_from(access_key_id)
        with self._worlds_lock:
            if account_id not in self._worlds:
                return None
        account = dict.get(iam_backends, account_id)
        backend = dict.get(account, "aws") if account is not None else None
        key = backend.access_keys.get(access_key_id) if backend is not None else None
        if key is None or getattr(key, "status", "Active") != "Active":
            return None
        token = None
        sts_account = dict.get(sts_backends, account_id)
        sts = dict.get(sts_account, "aws") if sts_account is not None else None
        if sts is not None and access_key_id.startswith("ASIA"):
            assumed = sts.get_assumed_role_from_access_key(access_key_id)
            token = getattr(assumed, "session_token", None)
        return KeyRecord(key.secret_access_key, account_id, token)

    def guard(self, environ: dict[str, Any], body: bytes, signed: Any) -> None:
        """Refuse (SignatureError) calls that would reach outside the signer's account.

        moto lets AssumeRole name a role in any account and issues that account's keys;
        AWS would refuse unless the role trusts the caller, which no seat's role does."""
        if signed.service != "sts":
            return
        from urllib.parse import parse_qs

        from labguide.sim.sigv4 import SignatureError

        form = parse_qs(environ.get("QUERY_STRING", ""))
        form.update(parse_qs(body.decode("utf-8", "replace")))
        action = (form.get("Action") or [""])[0]
        role_arn = (form.get("RoleArn") or [""])[0]
        if action.startswith("AssumeRole") and role_arn:
            parts = role_arn.split(":")
            if len(parts) < 6 or parts[4] != signed.account_id:
                raise SignatureError(
                    "AccessDenied",
                    f"User: arn:aws:iam::{signed.account_id}:user/* is not authorized to "
                    f"perform: sts:{action} on resource: {role_arn[:200]}")

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        """The URL to reach this server: loopback for a wildcard bind, unless `public_url`."""
        if self._server is None:
            raise RuntimeError("SimServer.start() has not been called")
        if self.public_url:
            return self.public_url
        host = self.host if self.host not in WILDCARDS else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    # ----- worlds --------------------------------------------------------------------------

    def add_world(self, name: str | Mapping[str, Any], params: Mapping[str, Any], *,
                  region: str,
                  account_id: str | None = None, seed: int = 0,
                  epoch: datetime | None = None, learner: Any = None) -> Any:
        """Build world `name` (a bundled name or a world mapping) in a fresh (or given)
        account and serve it; returns the World.

        `learner` (Credentials) replaces the learner's seeded keys: a class's keys are
        random per class, while the world itself stays the seed's."""
        skip_default_amis()
        install_extensions()
        from labguide.sim.worlds import build_world

        account_id = account_id or allocate_account_id()
        _claim_account(account_id)
        try:
            world = build_world(name, dict(params), account_id=account_id, region=region,
                                seed=seed, epoch=epoch)
            if learner is not None:
                rekey_learner(world, learner)
        except BaseException:
            release_account(account_id)
            raise
        with self._worlds_lock:
            label = name if isinstance(name, str) else getattr(world, "name", "inline")
            self._worlds[account_id] = HostedWorld(label, world)
        return world

    def host_world(self, name: str, world: Any) -> Any:
        """Serve a world already built in this process's moto backends; returns it."""
        _claim_account(world.account_id)
        with self._worlds_lock:
            self._worlds[world.account_id] = HostedWorld(name, world)
        return world

    def remove_world(self, account_id: str) -> None:
        """Stop serving a world and free its account (its backends are dropped)."""
        with self._worlds_lock:
            hosted = self._worlds.pop(account_id, None)
        if hosted is not None:
            hosted.world.stop()
        release_account(account_id)

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
        if self.paused:
            return 0
        for account_id, world in self.worlds.items():
            if self._driver_stop.is_set():
                break
            try:
                world.tick()
                ticked += 1
            except Exception:  # noqa: BLE001 - one broken world must not stop the others
                _log.exception("world %s: tick failed", account_id)
        return ticked
