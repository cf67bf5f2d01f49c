"""moto's random source, seeded per thread: a world built while others serve is the same world.

Worlds are built from a seed: `build_world` seeds moto's process-wide `mock_random`, then
creates the account's resources, whose ids come from it. With a class server running,
other threads draw from the same `mock_random` meanwhile (request ids, findings of other
seats' attackers), so a world rebuilt for a reset or a restart got other ids than the
first time and its journal (which names those ids) no longer replayed. After install, a
`seed()` call gives the calling thread its own generator; threads that never seeded keep
drawing from the shared one, as before.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from labguide.sim.moto_internals import Extension

EXTENSION = Extension("thread-seeded-random")
_local = threading.local()


class _ThreadSeededRandom(random.Random):
    """MotoRandom's methods over a per-thread generator once the thread has seeded it."""

    def seed(self, a: Any = None, version: int = 2) -> None:  # type: ignore[override]
        if not EXTENSION.installed:  # Random.__init__ seeds the shared generator itself
            super().seed(a, version)
            return
        _local.rng = random.Random(a)

    def random(self) -> float:
        rng = getattr(_local, "rng", None)
        return rng.random() if rng is not None else super().random()

    def getrandbits(self, k: int) -> int:
        rng = getattr(_local, "rng", None)
        return rng.getrandbits(k) if rng is not None else super().getrandbits(k)


def install() -> None:
    """Make moto's mock_random seed per thread; idempotent; ExtensionError if moto changed."""
    EXTENSION.install(_patch)


def _patch(extension: Extension) -> None:
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.moto_random import MotoRandom

    extension.require(type(mock_random) is MotoRandom,
                      "moto's mock_random is no longer a MotoRandom")
    patched = type("ThreadSeededMotoRandom", (MotoRandom, _ThreadSeededRandom), {
        "seed": _ThreadSeededRandom.seed, "random": _ThreadSeededRandom.random,
        "getrandbits": _ThreadSeededRandom.getrandbits})
    extension.replace(mock_random, "__class__", patched)
