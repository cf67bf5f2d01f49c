"""The class API: JSON routes under `/class/` on the class server (see DESIGN.md "Classroom").

Participants authenticate with their seat's join code, instructors with the instructor
token, both as `Authorization: Bearer T`. A join code reaches only its own seat; no
participant route takes a seat number. Errors are `{"message": ...}` with 400 (bad
body), 401 (no or unknown credential), 403 (a participant on an instructor's route),
404 (no such route or seat).
"""

from __future__ import annotations

import hmac
import json
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from labguide.classroom.guesses import GuessLimiter, refusal_text
from labguide.classroom.room import Classroom
from labguide.errors import UserError

log = logging.getLogger(__name__)
PREFIX = "/class/"
MAX_JSON_BODY = 256 * 1024


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class ClassApi:
    """The WSGI app of `/class/` for one Classroom."""

    def __init__(self, room: Classroom, token: str,
                 worker_of: Callable[[int], str | None] | None = None):
        self.room = room
        self._token = token
        self.guesses = GuessLimiter()  # wrong join codes / tokens per client address
        # seat -> the worker URL serving it, when not this process (a sharded class)
        self._worker_of = worker_of or (lambda seat: None)
        self._participant: dict[tuple[str, str], Callable] = {
            ("POST", "join"): self._join, ("POST", "report"): self._report,
            ("GET", "messages"): self._messages, ("POST", "answer"): self._answer,
            ("GET", "me"): self._me,
        }
        self._instructor: dict[tuple[str, str], Callable] = {
            ("GET", "status"): lambda r, b: Response(
                room.status_cache.body(board=r.args.get("view") == "board"),
                mimetype="application/json"),
            ("POST", "reset"): lambda r, b: room.reset(_seat(b), _step(b)),
            ("POST", "solve"): lambda r, b: room.solve(_seat(b), _required_step(b)),
            ("POST", "message"): lambda r, b: room.message(str(b.get("text") or ""),
                                                           _seat(b, required=False)),
            ("POST", "check"): self._check,
            ("POST", "hint"): lambda r, b: room.push_hint(_seat(b)),
            ("POST", "help-answered"): lambda r, b: room.help_answered(_seat(b)),
            ("POST", "attackers"): self._attackers,
            ("POST", "aws"): self._aws,
            ("POST", "seat-view"): lambda r, b: room.seat_view(_seat(b)),
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        route = request.path[len(PREFIX):].strip("/")
        headers: dict[str, str] = {}
        try:
            status, body = 200, self._dispatch(request, route)
        except ApiError as exc:
            status, body, headers = exc.status, {"message": str(exc)}, exc.headers
        except KeyError as exc:
            status, body = 404, {"message": f"no seat {exc.args[0]}"}
        except UserError as exc:
            status, body = 400, {"message": str(exc)}
        if isinstance(body, Response):
            return body(environ, start_response)
        response = Response(json.dumps(body), status=status, mimetype="application/json",
                            headers=headers)
        return response(environ, start_response)

    def _dispatch(self, request: Request, route: str) -> Any:
        key = (request.method, route)
        if key == ("GET", "health"):
            return {"status": "ok", "scenario": self.room.scenario.id,
                    "seats": len(self.room.state.seats()), "check_rounds": self.room.rounds}
        self._not_locked_out(request)  # every other route takes a credential
        if key == ("POST", "join"):
            return self._join(request, _json(request))
        credential = _bearer(request)
        if request.method == "GET" and route.startswith("seats/"):
            self._need_instructor(request, credential)
            try:
                return self.room.seat_detail(int(route.split("/", 1)[1]))
            except ValueError:
                raise ApiError(404, f"no seat {route.split('/', 1)[1]!r}") from None
        if key == ("GET", "export"):
            self._need_instructor(request, credential)
            kind, data = self.room.export(request.args.get("format", "csv"))
            return Response(data, mimetype=kind)
        if key in self._instructor:
            self._need_instructor(request, credential)
            body = _json(request) if request.method == "POST" else {}
            if route in _SEAT_WORLD_ROUTES and isinstance(body.get("seat"), int):
                worker = self._worker_of(body["seat"])
                if worker is not None:
                    return _forward(worker, request)
            if route == "attackers":
                for worker in self._workers():
                    _forward(worker, request)
            return self._instructor[key](request, body)
        if key in self._participant:
            if credential is None:
                raise ApiError(401, "this route needs your join code (Authorization: Bearer CODE)")
            record = self._seat_for_code(request, credential)
            if route in _SEAT_PARTICIPANT_ROUTES and self._worker_of(record.seat) is not None:
                return _forward(self._worker_of(record.seat), request)
            return self._participant[key](request, record)
        raise ApiError(404, f"no class route {request.method} {request.path}")

    def _workers(self) -> list[str]:
        return sorted({url for r in self.room.state.seats()
                       if (url := self._worker_of(r.seat)) is not None})

    def _not_locked_out(self, request: Request) -> None:
        """429 for an address that guessed wrong too often, before any credential is read."""
        wait = self.guesses.wait_for(_address(request))
        if wait is not None:
            raise ApiError(429, refusal_text(wait), {"Retry-After": str(math.ceil(wait))})

    def _seat_for_code(self, request: Request, code: str) -> Any:
        record = self.room.seat_for_code(code)
        if record is None:
            self.guesses.wrong(_address(request))
            raise ApiError(401, "unknown join code")
        return record

    def _need_instructor(self, request: Request, credential: str | None) -> None:
        if credential is None:
            raise ApiError(401, "this route needs the instructor token "
                                "(Authorization: Bearer TOKEN)")
        if not hmac.compare_digest(credential.encode(), self._token.encode()):
            if self.room.seat_for_code(credential) is not None:
                raise ApiError(403, "a join code cannot use the instructor's routes")
            self.guesses.wrong(_address(request))
            raise ApiError(401, "wrong instructor token")

    # ----- participant routes -------------------------------------------------------------

    def _join(self, request: Request, body: Any) -> dict[str, Any]:
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code.strip():
            raise ApiError(400, "the body must be JSON like {\"code\": \"ABCD-EFGH\"}")
        record = self._seat_for_code(request, code)
        name = body.get("name")
        return self.room.join(record, name if isinstance(name, str) else None)

    def _report(self, request: Request, record: Any) -> dict[str, Any]:
        body = _json(request)
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list):
            raise ApiError(400, "the body must be JSON like {\"events\": [...]}")
        accepted = self.room.report(record, events)
        after = _int(request.args.get("after"), 0)
        return {"accepted": accepted, "messages": self.room.state.messages_for(record.seat,
                                                                              after)}

    def _messages(self, request: Request, record: Any) -> dict[str, Any]:
        after = _int(request.args.get("after"), 0)
        self.room.state.update_seat(record.seat, last_seen=_now())
        return {"messages": self.room.state.messages_for(record.seat, after)}

    def _answer(self, request: Request, record: Any) -> dict[str, Any]:
        body = _json(request)
        question, value = body.get("question"), body.get("value")
        step = body.get("step")
        if not isinstance(question, str) or not isinstance(value, str):
            raise ApiError(400, "the body must be JSON like {\"question\": ID, \"value\": TEXT}")
        return self.room.answer(record, step if isinstance(step, str) else None, question,
                                value)

    def _me(self, request: Request, record: Any) -> dict[str, Any]:
        return self.room.status_of(record.seat)

    # ----- instructor routes --------------------------------------------------------------

    def _check(self, request: Request, body: Any) -> dict[str, Any]:
        seat = _seat(body)
        self.room.record(seat)
        result = self.room.check_seat(seat)
        return {"seat": seat, "steps": [step.to_json() for step in result.steps]}

    def _attackers(self, request: Request, body: Any) -> dict[str, Any]:
        paused = body.get("paused")
        if not isinstance(paused, bool):
            raise ApiError(400, "the body must be JSON like {\"paused\": true}")
        self.room.worlds.server.paused = paused
        self.room.state.add_event(None, "attackers", None, {"paused": paused})
        return {"ok": True, "attackers_paused": paused}

    def _aws(self, request: Request, body: Any) -> dict[str, Any]:
        from labguide.classroom.seat_reads import ReadRefused, answer_read

        seat = _seat(body)
        self.room.record(seat)
        try:
            return answer_read(self.room.target(seat), body.get("service"),
                               body.get("operation"), body.get("params"))
        except ReadRefused as exc:
            raise ApiError(403, str(exc)) from None


_SEAT_WORLD_ROUTES = ("check", "solve", "reset", "aws", "seat-view")
# a participant's reports and answers go where the seat's world is: its checks run there
# (a report's answer schedules a check round, which only the seat's worker can run)
_SEAT_PARTICIPANT_ROUTES = ("answer", "report")


def _forward(worker: str, request: Request) -> Response:
    """The same request, sent to the worker process that holds the seat's world."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(worker)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {k: v for k, v in request.headers.items()
               if k.lower() in ("authorization", "content-type")}
    try:
        path = request.full_path.rstrip("?")
        connection.request(request.method, path, body=request.get_data(cache=True),
                           headers=headers)
        answer = connection.getresponse()
        data = answer.read()
    except OSError as exc:
        raise ApiError(502, f"the worker at {worker} did not answer: {exc}") from None
    finally:
        connection.close()
    return Response(data, status=answer.status,
                    mimetype=answer.getheader("Content-Type") or "application/json")


def _address(request: Request) -> str:
    """The client's address as the socket saw it (never a header the client wrote)."""
    return request.environ.get("REMOTE_ADDR") or "?"


def _now() -> str:
    from labguide.classroom.state import now_iso

    return now_iso()


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _json(request: Request) -> Any:
    if (request.content_length or 0) > MAX_JSON_BODY:
        raise ApiError(413, f"the body is larger than {MAX_JSON_BODY} bytes")
    data = request.get_data(cache=True)
    if not data:
        return {}
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _seat(body: Any, *, required: bool = True) -> Any:
    seat = body.get("seat") if isinstance(body, dict) else None
    if seat is None and not required:
        return None
    if isinstance(seat, bool) or not isinstance(seat, int):
        raise ApiError(400, "the body must name a seat number: {\"seat\": K}")
    return seat


def _step(body: Any) -> str | None:
    step = body.get("step")
    return step if isinstance(step, str) and step else None


def _required_step(body: Any) -> str:
    step = _step(body)
    if step is None:
        raise ApiError(400, "the body must name a step: {\"seat\": K, \"step\": ID}")
    return step
