"""moto's random source, seeded per thread: a world built while others serve is the same world.

Worlds are built from a seed: `build_world` seeds moto's process-wide `mock_random`, then
creates the account's resources, whose ids come from it. With a class server running,
other threads draw from the same `mock_random` meanwhile (request ids, findings of other
seats' attackers), so a world rebuilt for a reset or a restart got other ids than the
first time and its journal (which names those ids) no longer replayed. After install, a
`seed()` call gives the calling thread its own generator; threads that never seeded keep
drawing from the shared one, as before.

An unseeded thread's `get_random_string` (moto's 52-character request id on every answer:
~7% of a class server's CPU at ~0.2 ms each through `Random.choice` per character) takes
one `getrandbits` of the shared generator, mapped onto the same characters without bias:
a few microseconds, and no system call (`os.urandom` releases the GIL, and under a class's
load getting it back cost ~0.4 ms a request). A seeded thread draws from its own generator
exactly as moto would, so a world built from a seed keeps its ids.
"""

from __future__ import annotations

import random
import string
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

    def get_random_string(self, length: int = 20, include_digits: bool = True,
                          lower_case: bool = False) -> str:
        if getattr(_local, "rng", None) is not None:  # a seeded world: moto's own draws
            return _MOTO_GET_RANDOM_STRING(self, length, include_digits, lower_case)
        text = _unseeded_string(super().getrandbits, length, include_digits)
        return text.lower() if lower_case else text


def _byte_table(pool: str) -> tuple[bytes, bytes]:
    """(translate table, bytes to drop): byte b -> pool[b % len(pool)] for the bytes below
    the largest multiple of len(pool), the rest dropped, so every character is as likely."""
    usable = 256 - 256 % len(pool)
    table = bytes(ord(pool[b % len(pool)]) if b < usable else 0 for b in range(256))
    return table, bytes(range(usable, 256))


_TABLES = {True: _byte_table(string.ascii_letters + string.digits),
           False: _byte_table(string.ascii_letters)}


def _unseeded_string(bits: Any, length: int, include_digits: bool) -> str:
    """`length` characters of moto's pool (letters, digits if asked) from `bits(k)`."""
    table, dropped = _TABLES[include_digits]
    out = b""
    while len(out) < length:
        wanted = length - len(out) + 8
        out += bits(wanted * 8).to_bytes(wanted, "little").translate(table, dropped)
    return out[:length].decode("ascii")


_MOTO_GET_RANDOM_STRING: Any = None


def install() -> None:
    """Make moto's mock_random seed per thread; idempotent; ExtensionError if moto changed."""
    EXTENSION.install(_patch)


def _patch(extension: Extension) -> None:
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.moto_random import MotoRandom

    extension.require(type(mock_random) is MotoRandom,
                      "moto's mock_random is no longer a MotoRandom")
    global _MOTO_GET_RANDOM_STRING
    extension.attributes(MotoRandom, "MotoRandom", "get_random_string")
    _MOTO_GET_RANDOM_STRING = MotoRandom.get_random_string
    patched = type("ThreadSeededMotoRandom", (MotoRandom, _ThreadSeededRandom), {
        "seed": _ThreadSeededRandom.seed, "random": _ThreadSeededRandom.random,
        "getrandbits": _ThreadSeededRandom.getrandbits,
        "get_random_string": _ThreadSeededRandom.get_random_string})
    extension.replace(mock_random, "__class__", patched)
