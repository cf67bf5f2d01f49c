"""A loopback HTTP server answering the class API with recorded JSON (until the tests
run against the real class server): GET routes from a dict, POSTs recorded."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATUS = json.loads((Path(__file__).with_name("class_status.json")).read_text())
SEAT_1 = json.loads((Path(__file__).with_name("seat_1_detail.json")).read_text())


class RecordedClass:
    @classmethod
    def on_port(cls, port: int, token: str = "t0ken") -> RecordedClass:
        return cls(token, port=port)

    def __init__(self, token: str = "t0ken", *, port: int = 0, account=None,
                 facts=None, calls=None) -> None:
        self.token = token
        self.account = account  # a Target: /class/aws reads it (every seat the same account)
        self.seat_view = {"facts": facts or {}, "calls": calls or []}  # /class/seat-view
        self.status = json.loads(json.dumps(STATUS))
        self.posts: list[tuple[str, dict]] = []
        self.status_queries: list[str] = []
        self.down = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # quiet
                pass

            def _answer(self, code: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {outer.token}":
                    self._answer(401, {"error": "instructor token required"})
                    return False
                return True

            def do_GET(self):  # noqa: N802
                if not self._authorized():
                    return
                if self.path.split("?")[0] == "/class/status":
                    outer.status_queries.append(self.path.partition("?")[2])
                    return self._answer(200, outer.status)
                if self.path.startswith("/class/seats/"):
                    seat = int(self.path.split("/")[3])
                    for entry in outer.status["seats"]:
                        if entry["seat"] == seat:
                            extra = SEAT_1 if seat == 1 else {"events": [], "checks": []}
                            return self._answer(200, {**entry, "now": outer.status["now"],
                                                      **extra})
                if self.path.startswith("/class/export"):
                    return self._answer(200, {"rows": []})
                self._answer(404, {"error": "no such route"})

            def do_POST(self):  # noqa: N802
                if not self._authorized():
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/class/aws" and outer.account is not None:
                    from labguide.classroom.seat_reads import ReadRefused, answer_read

                    try:
                        return self._answer(200, answer_read(
                            outer.account, body["service"], body["operation"], body["params"]))
                    except ReadRefused as exc:
                        return self._answer(400, {"message": str(exc)})
                if self.path == "/class/seat-view":  # a read: not among the posts
                    return self._answer(200, {"seat": body.get("seat"), **outer.seat_view})
                outer.posts.append((self.path, body))
                self._answer(200, {"ok": True})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
