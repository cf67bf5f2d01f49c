"""labguide's routes under moto's `/moto-api/` prefix: clock, attacker log, worlds, health.

They are for tests and instructors, never for checks (which read AWS APIs only):
  POST /moto-api/labguide/clock/advance   {"seconds": N[, "account": ID]}
  GET  /moto-api/labguide/attacker?account=ID
  GET  /moto-api/labguide/worlds
  GET  /moto-api/labguide/health
Answers are JSON; nothing secret (secret keys, session tokens) is ever included.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from labguide.sim.server import SimServer

LABGUIDE_PREFIX = "/moto-api/labguide/"
MAX_ADVANCE_SECONDS = 7 * 24 * 3600


class _ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def attacker_call_json(call: Any) -> dict[str, Any]:
    return {"at": _iso(call.at), "service": call.service, "api": call.api,
            "allowed": bool(call.allowed), "error_code": call.error_code}


class LabguideApi:
    """A small WSGI app answering labguide's moto-api routes for one SimServer."""

    def __init__(self, server: SimServer):
        self._server = server
        self._routes: dict[tuple[str, str], Callable[[Request], Any]] = {
            ("POST", "clock/advance"): self._advance,
            ("GET", "attacker"): self._attacker,
            ("GET", "worlds"): self._worlds,
            ("GET", "health"): self._health,
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        route = request.path[len(LABGUIDE_PREFIX):].strip("/")
        handler = self._routes.get((request.method, route))
        try:
            if handler is None:
                known = {path for _, path in self._routes}
                if route in known:
                    raise _ApiError(405, f"{request.method} is not allowed on {request.path}")
                raise _ApiError(404, f"no labguide route {request.path}")
            status, body = 200, handler(request)
        except _ApiError as exc:
            status, body = exc.status, {"message": str(exc)}
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        return response(environ, start_response)

    def _world(self, account: str | None) -> Any:
        worlds = self._server.worlds
        if not account:
            raise _ApiError(400, "the query parameter account=ID is required")
        if account not in worlds:
            raise _ApiError(404, f"no world in account {account}")
        return worlds[account]

    def _advance(self, request: Request) -> dict[str, Any]:
        try:
            payload = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise _ApiError(400, "the body must be JSON like {\"seconds\": 120}") from None
        seconds = payload.get("seconds") if isinstance(payload, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or \
                not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
            raise _ApiError(400, f"seconds must be a number from 0 to {MAX_ADVANCE_SECONDS}")
        account = payload.get("account")
        targets = {account: self._world(account)} if account else dict(self._server.worlds)
        now, errors = {}, {}
        for acct, world in targets.items():  # one broken world must not stop the others
            try:
                world.advance(seconds)
            except Exception as exc:  # noqa: BLE001 - reported to the caller, per account
                errors[acct] = f"{type(exc).__name__}: {exc}"
            now[acct] = _iso(world.clock.now())
        if errors:
            raise _ApiError(500, json.dumps({"advanced": now, "errors": errors}))
        return {"advanced_seconds": seconds, "now": now}

    def _attacker(self, request: Request) -> dict[str, Any]:
        account = request.args.get("account")
        world = self._world(account)
        calls = [attacker_call_json(call) for call in world.attacker.recent_calls()]
        return {"account": account, "calls": calls}

    def _worlds(self, request: Request) -> dict[str, Any]:
        summary = []
        for account, hosted in self._server.worlds_with_names.items():
            world = hosted.world
            summary.append({
                "account_id": account, "world": hosted.name, "region": world.region,
                "now": _iso(world.clock.now()),
                "learner_access_key_id": world.learner.access_key_id,
                "attacker_calls": len(world.attacker.recent_calls()),
            })
        return {"worlds": summary}

    def _health(self, request: Request) -> dict[str, Any]:
        return {"status": "ok", "worlds": len(self._server.worlds)}
