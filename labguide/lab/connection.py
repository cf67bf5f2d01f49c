"""How the app reaches its account: the embedded simulator, an endpoint, or real AWS.

The embedded simulator starts in a background thread after the first frame,
so the world never delays the interface; everything that needs the account
asks `target` (None until ready) or waits on `wait_ready`. Textual-free, so it
is tested on its own (and a
dashboard or the CLI can use it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SIM_ACCOUNT_KEY = "simulator"


@dataclass(frozen=True)
class TargetSpec:
    """What the command line asked for."""

    kind: str = "sim"  # "sim" | "endpoint" | "aws"
    endpoint: str | None = None
    profile: str | None = None
    region: str | None = None
    allow_changes: bool = False
    endpoint_from_env: bool = False  # the endpoint is AWS_ENDPOINT_URL, not --endpoint

    def env_note(self) -> str:
        """What to add to anything said about the endpoint when the environment chose it."""
        if not self.endpoint_from_env:
            return ""
        return (f"AWS_ENDPOINT_URL={self.endpoint} from your environment; "
                "pass --sim for the embedded simulator")


class Connection:
    """The account the app talks to, once it is reachable."""

    def __init__(self, spec: TargetSpec, region: str):
        self.spec = spec
        self.region = spec.region or region
        self.target: Any = None
        self.account_id: str | None = None
        self.error: BaseException | None = None
        self.embedded: Any = None
        self._ready = threading.Event()
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._closed = False

    # ----- identity for progress ----------------------------------------------------------

    @property
    def is_simulator(self) -> bool:
        return self.spec.kind == "sim"

    @property
    def is_real_account(self) -> bool:
        """--aws, or an endpoint that is AWS itself (*.amazonaws.com)."""
        if self.spec.kind == "aws":
            return True
        return bool(self.target is not None and self.target.is_real_account)

    @property
    def changes_allowed(self) -> bool:
        return not self.is_real_account or self.spec.allow_changes

    def progress_account(self) -> str:
        """The key progress is stored under: the simulator, or endpoint/account id."""
        if self.is_simulator:
            return SIM_ACCOUNT_KEY
        if self.spec.kind == "endpoint":
            return f"{self.account_id}@{self.spec.endpoint}"
        return str(self.account_id)

    def label(self) -> str:
        """Where the learner is working, for the status line."""
        if self.is_simulator:
            if self.error is not None:
                return "simulator (failed to start)"
            return f"simulator ({self.region})" if self.ready else "simulator (starting…)"
        if self.spec.kind == "endpoint":
            acct = f" {self.account_id}" if self.account_id else ""
            source = " from AWS_ENDPOINT_URL" if self.spec.endpoint_from_env else ""
            return f"endpoint {self.spec.endpoint}{source}{acct} ({self.region})"
        return f"AWS account {self.account_id} ({self.region})"

    def short_label(self) -> str:
        """`label()` for a narrow screen: the endpoint's host and port, the account id."""
        if self.is_simulator:
            return self.label()
        if self.spec.kind == "endpoint":
            from urllib.parse import urlsplit

            where = urlsplit(self.spec.endpoint or "").netloc or (self.spec.endpoint or "")
            return f"endpoint {where}" + (" (env)" if self.spec.endpoint_from_env else "")
        return f"AWS {self.account_id}" if self.account_id else "AWS account"

    # ----- readiness ----------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self.target is not None

    def wait_ready(self, timeout: float | None = None) -> bool:
        self._ready.wait(timeout)
        return self.ready

    def on_ready(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from the starting thread) once the account is reachable or failed."""
        self._listeners.append(callback)
        if self._ready.is_set():
            callback()

    def _set_ready(self) -> None:
        self._ready.set()
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:  # a listener's failure must not hide the account
                log.exception("ready listener failed")

    # ----- connecting ---------------------------------------------------------------------

    def connect_remote(self) -> None:
        """Endpoint or real AWS: build the target and read its identity (blocking)."""
        from labguide.lab.targets import remote_target

        spec = self.spec
        self.target = remote_target(spec.kind, endpoint=spec.endpoint, region=self.region or None,
                                    profile=spec.profile, default_region=None,
                                    allow_changes=spec.allow_changes or None)
        self.region = self.target.region
        self.account_id = self.target.identity().account_id
        self._set_ready()

    def start_simulator(
        self, world_name: str, params: dict, *, seed: int, epoch: datetime | None,
        journal: Path | None, background: bool = True, realtime: bool = True,
    ) -> None:
        """Start the embedded simulator (in a thread unless told otherwise)."""

        def start() -> None:
            try:
                from labguide.lab.targets import simulator_target
                from labguide.sim.embedded import start_embedded
                from labguide.sim.heap import built_to_last, release

                with built_to_last():  # no 100-270 ms full collections stalling the UI
                    sim = start_embedded(
                        world_name, params, self.region, seed=seed, epoch=epoch,
                        journal=journal, realtime=realtime,
                    )
                with self._lock:
                    if self._closed:  # the app ended while the world was being built
                        sim.stop()
                        release()
                        return
                    self.embedded = sim
                self.account_id = sim.world.account_id
                self.target = simulator_target(sim, self.region)
            except BaseException as exc:  # shown to the learner by the app
                log.exception("the simulated account did not start")
                self.error = exc
            finally:
                self._set_ready()

        if background:
            threading.Thread(target=start, name="labguide-sim-start", daemon=True).start()
        else:
            start()

    @staticmethod
    def account_now(target: Any) -> datetime:
        """The account's current time: the world's clock on the simulator (the target
        carries it), else the account's own."""
        return target.now()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            embedded, self.embedded = self.embedded, None
        if embedded is not None:
            try:
                embedded.stop()
            except Exception:
                log.exception("stopping the simulator failed")
            from labguide.sim.heap import release

            release()
