"""A participant's app reporting to the class server: a LabEvent observer with a thread.

The app's session emits LabEvents on its own (UI) thread; `ClassReporter.__call__` only
queues them, converted to the class API's report events, and a daemon thread sends them
in batches (`POST /class/report`), taking the instructor's messages from the answer. It
also polls messages when there is nothing to send. It never raises into the app: a
server that is away is retried, and what was not sent waits in a bounded queue.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0
MAX_QUEUED = 1000

# LabEvent kind -> the class API's report kind
_KINDS = {"step-opened": "step", "step-done": "step_done", "hint-shown": "hint",
          "answer-revealed": "answer_revealed", "answer-judged": "answer",
          "check-judged": "check", "help-requested": "help"}


def report_event(event: Any) -> dict[str, Any] | None:
    """The class API's report for a LabEvent (anything with kind, step_id, question_id,
    detail), or None for kinds the class does not take."""
    kind = _KINDS.get(getattr(event, "kind", ""))
    if kind is None:
        return None
    detail = dict(getattr(event, "detail", {}) or {})
    report: dict[str, Any] = {"kind": kind, "step": getattr(event, "step_id", None)}
    question = getattr(event, "question_id", None)
    if question:
        report["question"] = question
    if kind == "answer":
        report["correct"] = detail.get("correct")
        report["value"] = str(detail.get("text") or detail.get("value") or "")
    elif kind == "check":
        report.update({k: detail.get(k) for k in ("check", "status", "summary")})
    elif kind == "help":
        report["on"] = bool(detail.get("on", True))
        if detail.get("text"):
            report["text"] = str(detail["text"])
    return report


class ClassReporter:
    """Sends a session's events to the class server; `close()` when the app ends."""

    def __init__(self, client: Any, *, on_message: Callable[[dict], None] | None = None,
                 poll_seconds: float = POLL_SECONDS):
        self.client = client
        self.on_message = on_message
        self.poll_seconds = poll_seconds
        self.last_message_id = 0
        self.sent = 0
        self.failures = 0
        self.failures_in_row = 0  # since the server last answered (the app's "class ⚠")
        self.last_ok: float | None = None  # time.monotonic() of the server's last answer
        self._sending = False
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(MAX_QUEUED)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="labguide-class-reporter",
                                        daemon=True)
        self._thread.start()

    def __call__(self, event: Any) -> None:
        """A LabEvent observer: queue, never block, never raise."""
        try:
            report = report_event(event)
            if report is not None:
                self._queue.put_nowait(report)
                self._wake.set()
        except queue.Full:
            log.warning("class reporter: queue full, an event was dropped")
        except Exception:  # noqa: BLE001 - reporting must never reach the learner
            log.exception("class reporter: could not queue an event")

    def current_step(self, step: str) -> None:
        self._put({"kind": "step", "step": step})

    def help(self, on: bool = True, text: str | None = None) -> None:
        self._put({"kind": "help", "on": on, **({"text": text} if text else {})})

    def _put(self, report: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(report)
            self._wake.set()
        except queue.Full:
            log.warning("class reporter: queue full, an event was dropped")

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued was sent (tests, and the app's exit)."""
        self._wake.set()
        deadline = threading.Event()
        for _ in range(int(timeout * 20)):
            if self._queue.empty() and not self._sending:
                return True
            deadline.wait(0.05)
        return False

    def close(self) -> None:
        self.flush(timeout=3.0)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pending: list[dict[str, Any]] = []
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            while len(pending) < 200:
                try:
                    pending.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._sending = bool(pending)
            try:
                if pending:
                    answer = self.client.report(pending)
                    self.sent += len(pending)
                    pending = []
                    messages = (answer or {}).get("messages") or []
                else:
                    messages = self.client.messages(after=self.last_message_id)
                self.last_ok, self.failures_in_row = time.monotonic(), 0
                self._deliver(messages)
            except Exception as exc:  # noqa: BLE001 - the server may be away; retry later
                self.failures += 1
                self.failures_in_row += 1
                log.info("class reporter: %s", exc)
                self._stop.wait(min(30.0, 1.0 * self.failures))
            finally:
                self._sending = bool(pending)

    def _deliver(self, messages: list[dict]) -> None:
        for message in messages:
            message_id = int(message.get("id") or 0)
            if message_id <= self.last_message_id:
                continue
            self.last_message_id = message_id
            if self.on_message is not None:
                try:
                    self.on_message(message)
                except Exception:  # noqa: BLE001
                    log.exception("class reporter: showing a message failed")
