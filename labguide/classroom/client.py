"""The class API as the instructor's tools call it: one method per route, JSON in and out.

Textual-free and stdlib-only (http.client on one kept-alive connection, re-opened when
the server dropped it), so the dashboard, the `class` commands and the tests share it.
Every failure is one of two typed errors with a sentence a screen can show:
`ClassUnreachable` (no answer: the server is down or the network is) and
`ClassApiError` (the server answered with an error status).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from labguide.errors import UserError

TIMEOUT = 10.0


class ClassUnreachable(UserError):
    """The class server did not answer (refused, reset, timed out)."""


class ClassApiError(UserError):
    """The class server answered with an error status; `message` is its own sentence."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{message} (HTTP {status})")
        self.status, self.message = status, message


def class_base_url(url: str) -> str:
    """The class URL as given, checked: http(s)://host[:port][/prefix]; UserError if not."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"not a class URL: {url!r} (expected http://HOST:PORT)")
    return url.strip().rstrip("/")


class ClassClient:
    """One instructor's (or one participant's) connection to a class server.

    `token` is the instructor token (admin routes), `code` a seat's join code (participant
    routes); either is sent as a bearer token and never appears in an error message.
    """

    def __init__(self, url: str, token: str | None = None, code: str | None = None, *,
                 timeout: float = TIMEOUT):
        self.url = class_base_url(url)
        parts = urlsplit(self.url)
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname or "", parts.port
        self._prefix = parts.path.rstrip("/")
        self.token = token or code
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()  # one request at a time on the kept-alive connection

    # ----- transport ----------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def request(self, method: str, path: str, body: Any = None, *,
                query: dict[str, Any] | None = None) -> tuple[int, bytes, str]:
        """(status, body, content type) of one request; a dropped kept-alive connection
        is re-opened once (the server closes idle ones), a second failure is unreachable."""
        target = self._prefix + path
        if query:
            target += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    conn.request(method, target, body=payload, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    kind = response.getheader("Content-Type", "") or ""
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                        self._conn = None
                    return response.status, data, kind
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    self._conn = None
                    retryable = isinstance(exc, http.client.RemoteDisconnected | BrokenPipeError
                                           | ConnectionResetError)
                    if attempt == 2 or not retryable:
                        raise ClassUnreachable(_unreachable(self.url, exc)) from None
        raise AssertionError("unreachable")

    def call(self, method: str, path: str, body: Any = None, *,
             query: dict[str, Any] | None = None) -> Any:
        """The route's JSON answer; ClassApiError with the server's message on an error."""
        status, data, _kind = self.request(method, path, body, query=query)
        try:
            answer = json.loads(data.decode() or "null") if data else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            answer = None
        if status >= 400:
            raise ClassApiError(status, _error_message(answer, data, status))
        if answer is None and data:
            raise ClassApiError(status, "the class server answered with something not JSON")
        return answer

    # ----- anyone / participant routes (join code) -----------------------------------------

    def health(self) -> dict[str, Any]:
        return self.call("GET", "/class/health")

    def join(self, code: str, name: str | None = None) -> dict[str, Any]:
        """The seat's credentials (the only answer with a secret: never print it whole)."""
        body: dict[str, Any] = {"code": code}
        if name:
            body["name"] = name
        return self.call("POST", "/class/join", body)

    def report(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Tell the server what the participant did; its answer carries new messages."""
        return self.call("POST", "/class/report", {"events": events})

    def messages(self, after: int = 0) -> list[dict[str, Any]]:
        answer = self.call("GET", "/class/messages", query={"after": after})
        return list((answer or {}).get("messages") or [])

    def answer(self, question: str, value: str, step: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"question": question, "value": value}
        if step:
            body["step"] = step
        return self.call("POST", "/class/answer", body)

    # ----- instructor routes ----------------------------------------------------------------

    def status(self, view: str | None = None) -> dict[str, Any]:
        """Every seat in one request (DESIGN.md's `class status --json` shape); view="board":
        without seats' answers and steps' checks (what the dashboard shows)."""
        return self.call("GET", "/class/status", query={"view": view} if view else None)

    def seat(self, seat: int) -> dict[str, Any]:
        """One seat: its status entry plus `events` (timeline) and `checks` (last results)."""
        return self.call("GET", f"/class/seats/{int(seat)}")

    def seat_view(self, seat: int) -> dict[str, Any]:
        """What a seat's read-only panes need beyond AWS reads: {"facts": {...}, "calls":
        [{at, service, api, allowed, error_code}]} (the attacker's recent calls)."""
        return self.call("POST", "/class/seat-view", {"seat": int(seat)})

    def run_checks(self, seat: int) -> Any:
        return self.call("POST", "/class/check", {"seat": int(seat)})

    def push_hint(self, seat: int) -> Any:
        return self.call("POST", "/class/hint", {"seat": int(seat)})

    def solve(self, seat: int, step: str) -> Any:
        return self.call("POST", "/class/solve", {"seat": int(seat), "step": step})

    def reset(self, seat: int, step: str | None = None) -> Any:
        body: dict[str, Any] = {"seat": int(seat)}
        if step:
            body["step"] = step
        return self.call("POST", "/class/reset", body)

    def help_answered(self, seat: int) -> Any:
        return self.call("POST", "/class/help-answered", {"seat": int(seat)})

    def message(self, text: str, seat: int | None = None) -> Any:
        """A message to one seat, or to every seat (a broadcast) when `seat` is None."""
        body: dict[str, Any] = {"text": text}
        if seat is not None:
            body["seat"] = int(seat)
        return self.call("POST", "/class/message", body)

    def attackers(self, paused: bool) -> Any:
        return self.call("POST", "/class/attackers", {"paused": bool(paused)})

    def export(self, fmt: str = "json") -> bytes:
        """The class export as the server writes it (CSV or JSON bytes)."""
        status, data, _kind = self.request("GET", "/class/export", query={"format": fmt})
        if status >= 400:
            raise ClassApiError(status, _error_message(_json_or_none(data), data, status))
        return data

    def aws(self, seat: int, service: str, operation: str, params: dict[str, Any]) -> dict:
        """A read-only AWS call made by the server on the seat's account:
        `{status, headers, body_b64}` as the seat's endpoint answered it."""
        return self.call("POST", "/class/aws", {"seat": int(seat), "service": service,
                                                "operation": operation, "params": params})


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _error_message(answer: Any, data: bytes, status: int) -> str:
    if isinstance(answer, dict):
        for key in ("error", "message"):
            if isinstance(answer.get(key), str) and answer[key]:
                return answer[key]
    if status == 401 or status == 403:
        return "the class server refused the instructor token"
    if status == 404:
        return "the class server has no such route or seat"
    text = data.decode("utf-8", "replace").strip().splitlines()
    return text[0][:200] if text else f"HTTP {status}"


def _unreachable(url: str, exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"the class server at {url} did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return f"the class server at {url} is not running (connection refused)"
    return f"cannot reach the class server at {url}: {type(exc).__name__}: {exc}"



def default_token_file() -> Path:
    """Where `class serve` leaves the instructor token for this user's commands."""
    from labguide.progress.paths import data_dir

    return data_dir() / "class" / "instructor.token"


def read_token(token_file: str | Path | None) -> tuple[str, Path]:
    """(the instructor token, the file it came from): `--token-file`, else the default.
    A missing, unreadable or empty file is the user's to fix (UserError, exit 2)."""
    path = Path(token_file).expanduser() if token_file else default_token_file()
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        hint = "" if token_file else " (give --token-file: the class server printed its path)"
        raise UserError(f"no instructor token at {path}{hint}") from None
    except OSError as exc:
        raise UserError(f"cannot read the instructor token {path}: {exc.strerror}") from None
    if not token:
        raise UserError(f"the instructor token file {path} is empty")
    return token, path
