"""How a dashboard screen polls the class API: one request at a time, the next set when
the last has ended (never overlapping), only while the screen is on top, and with a
growing delay while the server does not answer, so it recovers by itself."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

MAX_BACKOFF = 10.0


class PolledScreen(Screen):
    """Subclasses define `_fetch` (an exclusive thread worker that ends by posting a
    message) and call `polled()` or `poll_failed(cause)` when its answer arrives."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failures = 0
        self.error: str | None = None
        self._timer: Any = None

    def _fetch(self) -> None:
        raise NotImplementedError

    def _poll(self) -> None:
        self._timer = None
        self._fetch()

    def refresh_now(self) -> None:
        """Ask now (an action was taken, or the screen came back on top)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._fetch()

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.is_attached and self.app.screen is self:
            self._timer = self.set_timer(delay, self._poll)

    @property
    def interval(self) -> float:
        return self.app.options.interval  # type: ignore[attr-defined]

    def polled(self) -> None:
        self.failures, self.error = 0, None
        self._schedule(self.interval)

    def poll_failed(self, cause: str) -> None:
        self.failures += 1
        self.error = cause
        self._schedule(min(self.interval * (2 ** min(self.failures - 1, 4)), MAX_BACKOFF))

    def on_screen_resume(self) -> None:
        self.refresh_now()
