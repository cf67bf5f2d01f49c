"""The app's simulated account: one world on a loopback SimServer, resumable by journal.

With a journal, every state-changing request the learner's credentials make
(anything but moto-api and the reads of labguide.readops) is appended to a JSONL
file, flushed and fsynced before the next request. Starting again with that
journal rebuilds the world from the same seed and epoch, then replays the
recorded requests in order, moving the simulated clock to each one's moment, so
the learner finds the account as they left it.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from labguide.errors import UserError
from labguide.readops import is_read
from labguide.sim.server import ARRIVED_AT_ENVIRON_KEY, TRUSTED_ENVIRON_KEY, SimServer

JOURNAL_VERSION = 1
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{16,128})/[^/]*/[^/]*/([^/]+)/")
# Headers that describe the request rather than the connection; replayed as recorded.
_SKIPPED_ENVIRON = {"HTTP_HOST", "HTTP_CONTENT_LENGTH", "HTTP_CONNECTION", "HTTP_EXPECT"}


# ----- what a request is ----------------------------------------------------------------------


@lru_cache(maxsize=32)
def _router(service: str) -> Any:
    from moto.core.routing import get_service_router

    return get_service_router(service)


def request_credential(environ: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(access key id, signing service) from a SigV4 Authorization header."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(1), match.group(2)) if match else (None, None)


def operation_name(environ: Mapping[str, Any], body: bytes) -> str | None:
    """The API operation of a request: X-Amz-Target, the Action parameter, or the REST route."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if not action and environ.get("CONTENT_TYPE", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return action[0]
    _, service = request_credential(environ)
    if not service:
        return None
    method = environ.get("REQUEST_METHOD", "")
    key = (service, method, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
    if method in _MEMO_METHODS and key in _routed:
        return _routed[key]
    from moto.core.request import Request

    probe = dict(environ)
    probe["wsgi.input"] = io.BytesIO(body)
    try:
        operation, _ = _router(service).match(Request(probe))
        name = operation.name
    except Exception:  # not a route of that service: not an operation we can name
        name = None
    if method in _MEMO_METHODS:
        if len(_routed) >= _MEMO_SIZE:
            _routed.clear()
        _routed[key] = name
    return name


# A REST read's route (GET/HEAD: no body, no header picks another operation) named once per
# service, path and query: matching it builds a werkzeug Request and walks the service's
# routes, 0.066 ms (0.004 from the memo); a class round has five (GuardDuty) a seat every 5 s.
_MEMO_METHODS = ("GET", "HEAD")
_MEMO_SIZE = 8192
_routed: dict[tuple[str, str, str, str], str | None] = {}


def changes_state(service: str | None, operation: str | None, path: str) -> bool:
    """True for operations that may change the account (what the journal records):
    anything not on the one read list; replaying an unlisted read is harmless."""
    if path.startswith("/moto-api"):
        return False
    return bool(operation) and not is_read(service, operation)


# ----- the journal ---------------------------------------------------------------------------


class Journal:
    """An append-only JSONL file: a header line naming the world, then one line per request,
    and a mark where each step was first opened (a rewind cuts the file at a mark)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file: Any = None
        self._marked: set[str] = set()

    def _load(self) -> list[dict[str, Any]]:
        """Every entry, the header first; a torn last line (a crash) is dropped."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        entries: list[dict[str, Any]] = []
        for number, line in enumerate(lines, 1):
            try:
                entries.append(json.loads(line))
            except ValueError:
                if number == len(lines):
                    break
                raise UserError(f"{self.path}:{number}: the simulator journal is corrupt") from None
        if not entries or entries[0].get("kind") != "world":
            raise UserError(f"{self.path}:1: not a labguide simulator journal")
        return entries

    def read(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The header and the recorded requests."""
        entries = self._load()
        if not entries:
            return None, []
        return entries[0], [e for e in entries[1:] if e.get("kind") == "request"]

    def marks(self) -> list[str]:
        """The steps with a mark (first opened while this journal was kept), in order."""
        return [e["step"] for e in self._load()[1:] if e.get("kind") == "mark"]

    def requests_before(self, step_id: str) -> list[dict[str, Any]]:
        """The requests recorded before `step_id` was first opened (KeyError: no mark)."""
        entries = self._load()
        return [e for e in entries[1:self._mark_index(entries, step_id)]
                if e.get("kind") == "request"]

    def _mark_index(self, entries: list[dict[str, Any]], step_id: str) -> int:
        for index, entry in enumerate(entries):
            if entry.get("kind") == "mark" and entry.get("step") == step_id:
                return index
        raise KeyError(step_id)

    def open(self, header: dict[str, Any] | None) -> None:
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._marked = set(self.marks()) if header is None else set()
        # The learner's requests, bodies included: 0600 (closed in close()).
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")
        if header is not None:
            self.append(header)

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._lock:
            if self._file is None:
                return
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())

    def mark(self, step_id: str, at: datetime) -> bool:
        """Note that `step_id` opens now, the first time only; True if it was noted."""
        with self._lock:
            if self._file is None or step_id in self._marked:
                return False
            self._marked.add(step_id)
        self.append({"kind": "mark", "step": step_id, "at": _iso(at)})
        return True

    def cut_at(self, step_id: str) -> None:
        """Forget everything after `step_id`'s mark (the mark stays: the step opens again
        from there). The file is replaced whole (written, fsynced, renamed): a crash leaves
        the old journal or the new one, never half of one."""
        with self._lock:
            entries = self._load()
            kept = entries[:self._mark_index(entries, step_id) + 1]
            spare = self.path.with_name(self.path.name + ".new")
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(json.dumps(e, separators=(",", ":")) + "\n" for e in kept)
                handle.flush()
                os.fsync(handle.fileno())
            if self._file is not None:
                self._file.close()
            os.replace(spare, self.path)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
            self._marked = {e["step"] for e in kept if e.get("kind") == "mark"}

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def request_entry(environ: Mapping[str, Any], body: bytes, operation: str,
                   world: Any) -> dict[str, Any]:
    headers = {k: v for k, v in environ.items()
               if k.startswith("HTTP_") and k not in _SKIPPED_ENVIRON and isinstance(v, str)}
    if environ.get("CONTENT_TYPE"):
        headers["CONTENT_TYPE"] = environ["CONTENT_TYPE"]
    return {
        "kind": "request", "at": _iso(environ.get(ARRIVED_AT_ENVIRON_KEY) or world.clock.now()),
        "operation": operation,
        "account_id": world.account_id, "access_key_id": world.learner.access_key_id,
        "method": environ.get("REQUEST_METHOD", "GET"), "path": environ.get("PATH_INFO", "/"),
        "query": environ.get("QUERY_STRING", ""), "headers": headers,
        "body": base64.b64encode(body).decode("ascii"),
    }


class _Recorder:
    """A SimServer observer appending the learner's successful state-changing requests."""

    def __init__(self, journal: Journal, world: Any):
        self.journal = journal
        self.world = world
        self.paused = False

    def arrived(self, environ: dict[str, Any]) -> None:
        environ[ARRIVED_AT_ENVIRON_KEY] = self.world.clock.now()

    def __call__(self, environ: dict[str, Any], body: bytes, status: int) -> None:
        if self.paused or not 200 <= status < 300:
            return
        access_key, service = request_credential(environ)
        if access_key != self.world.learner.access_key_id:
            return
        operation = operation_name(environ, body)
        if not changes_state(service, operation, environ.get("PATH_INFO", "")):
            return
        self.journal.append(request_entry(environ, body, operation or "", self.world))


def replay_requests(server: SimServer, world: Any, entries: list[dict[str, Any]]) -> int:
    """Send recorded requests again, in order, as the current learner of the current account.

    They go straight to the server's WSGI app, marked trusted: their signatures were
    checked when they were first made (and name keys and dates that have changed since)."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    app = server.wsgi_app
    for number, entry in enumerate(entries):
        world.catch_up(datetime.fromisoformat(entry["at"]))
        swaps = ((entry["account_id"], world.account_id),
                 (entry["access_key_id"], world.learner.access_key_id))

        def swap(text: str, swaps: tuple = swaps) -> str:
            for old, new in swaps:
                text = text.replace(old, new)
            return text

        body = base64.b64decode(entry["body"])
        try:
            body = swap(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            pass
        headers = {key[5:].replace("_", "-").title(): swap(value)
                   for key, value in entry["headers"].items() if key.startswith("HTTP_")}
        builder = EnvironBuilder(
            path=swap(entry["path"]), method=entry["method"], query_string=swap(entry["query"]),
            headers=headers, data=body, content_type=entry["headers"].get("CONTENT_TYPE"),
            base_url=server.endpoint_url,
        )
        environ = builder.get_environ()
        environ[TRUSTED_ENVIRON_KEY] = True
        try:
            _, status, _ = run_wsgi_app(app, environ, buffered=True)
        finally:
            builder.close()
        if not status.startswith("2"):
            raise ReplayRefused(
                f"replaying the simulator journal failed at {entry['operation']} ({status}); "
                "start over with --reset", replayed=number, operation=entry["operation"],
                status=status)
    return len(entries)


class ReplayRefused(UserError):
    """A journaled request the rebuilt world refused; `replayed` entries before it took."""

    def __init__(self, message: str, *, replayed: int, operation: str, status: str):
        super().__init__(message)
        self.replayed = replayed
        self.operation = operation
        self.status = status


# ----- a world rebuilt from its journal --------------------------------------------------------


def restore_world(server: SimServer, name: Any, params: Mapping[str, Any], *, region: str,
                  seed: int, epoch: datetime | None, account_id: str | None = None,
                  learner: Any = None, entries: list[dict[str, Any]] | tuple = (),
                  until: datetime | None = None) -> Any:
    """Build world `name` from its seed and epoch on `server` (in `account_id`, with
    `learner`'s keys when given), replay `entries` in order, then bring its clock to
    `until`: the one way a journaled world comes back (the app's resume and rewind, the
    class server's restart and seat resets). The caller keeps its recorder quiet meanwhile.
    """
    world = server.add_world(name, params, region=region, seed=seed, epoch=epoch,
                             account_id=account_id, learner=learner)
    try:
        replay_requests(server, world, list(entries))
        if until is not None:
            world.catch_up(until)  # it lived on meanwhile: the attacker's calls, the clock
    except BaseException:
        server.remove_world(world.account_id)
        raise
    return world


# ----- the embedded simulator ----------------------------------------------------------------


@dataclass
class EmbeddedSim:
    """One simulated account on a loopback server; `stop()` when done."""

    server: SimServer
    world: Any
    journal: Journal | None = None
    replayed: int = 0
    name: Any = None  # what the world was built from, its params and seed: for a rewind
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    realtime: bool = False
    _recorder: _Recorder | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    def mark_step(self, step_id: str) -> bool:
        """Note that `step_id` is opened now (first time only): a rewind comes back here."""
        if self.journal is None:
            return False
        return self.journal.mark(step_id, self.world.clock.now())

    def marked_steps(self) -> list[str]:
        return self.journal.marks() if self.journal is not None else []

    def rewind(self, step_id: str) -> int:
        """Put the account back as it was when `step_id` was first opened: the world is
        built again from its seed and epoch, the learner's requests made before that moment
        are replayed, and the journal forgets the rest. The clock does not go back: what the
        world's actors did meanwhile (the attacker's calls) stays done, as on the class
        server's seat reset. Requests wait while the world is swapped. Returns how many
        requests were replayed; UserError if the step was never opened here."""
        if self.journal is None:
            raise UserError("this simulated account keeps no journal: there is nothing to "
                            "go back to")
        try:
            entries = self.journal.requests_before(step_id)
        except KeyError:
            raise UserError(f"step {step_id!r} has no starting point saved in this "
                            "simulated account (it was not opened here)") from None
        old, recorder = self.world, self._recorder
        with self.server.held():
            until = old.clock.now()
            if recorder is not None:
                recorder.paused = True
            try:
                self.server.remove_world(old.account_id)
                try:
                    world = self._restore(old, entries, until)
                except BaseException:
                    # Bring the account back as it was before the rewind, then say why.
                    self._install(self._restore(old, self.journal.read()[1], until))
                    raise
                self.journal.cut_at(step_id)
                self._install(world)
            finally:
                if recorder is not None:
                    recorder.paused = False
        return len(entries)

    def _install(self, world: Any) -> None:
        self.world = world
        if self._recorder is not None:
            self._recorder.world = world
        if self.realtime:
            world.start_realtime()

    def _restore(self, old: Any, entries: list[dict[str, Any]], until: datetime) -> Any:
        return restore_world(self.server, self.name, self.params, region=old.region,
                             seed=self.seed, epoch=old.epoch, account_id=old.account_id,
                             learner=old.learner, entries=entries, until=until)

    def stop(self) -> None:
        self.server.stop()
        if self.journal is not None:
            self.journal.close()


def start_embedded(name: str, params: Mapping[str, Any], region: str, *, seed: int = 0,
                   epoch: datetime | None = None, journal: Path | None = None,
                   realtime: bool = True) -> EmbeddedSim:
    """Serve world `name` in one account on 127.0.0.1; resume it from `journal` if it has one."""
    book = Journal(journal) if journal is not None else None
    header, entries = book.read() if book is not None else (None, [])
    if header is not None:
        if header.get("world") != name or header.get("region") != region:
            raise UserError(
                f"{journal}: the simulator journal belongs to world {header.get('world')!r} in "
                f"{header.get('region')}, not {name!r} in {region}; start over with --reset"
            )
        seed = int(header["seed"])
        epoch = datetime.fromisoformat(header["epoch"])
        params = header.get("params", params)
        account_id = header.get("account_id")  # ids are seeded per (seed, account)
    else:
        account_id = None  # a fresh world; without an epoch it picks one that ends "now"
    server = SimServer().start()
    try:
        world = restore_world(server, name, params, region=region, seed=seed, epoch=epoch,
                              account_id=account_id, entries=entries,
                              # it lived on while the app was closed
                              until=datetime.now(UTC) if book is not None else None)
        sim = EmbeddedSim(server, world, book, replayed=len(entries), name=name,
                          params=dict(params), seed=seed, realtime=realtime)
        if book is not None:
            book.open(None if header else {
                "kind": "world", "version": JOURNAL_VERSION, "world": name,
                "params": dict(params), "region": region, "seed": seed, "epoch": _iso(world.epoch),
                "account_id": world.account_id,
            })
            sim._recorder = _Recorder(book, world)
            server.observers.append(sim._recorder)
            server.arrivals.append(sim._recorder.arrived)
        if realtime:
            world.start_realtime()
        return sim
    except BaseException:
        server.stop()
        if book is not None:
            book.close()
        raise
