"""Keeping Python's garbage collector from pausing a running simulator.

A world is ~100,000 long-lived objects (moto's backends, botocore's models), an app
with its world ~400,000, `sim serve --accounts 200` millions. CPython's full
collections walk all of them while holding the GIL: measured 130-270 ms per full
collection in the app (every thread stops, key presses included), nine of them in a
minute of polling. Building under `built_to_last()` does no collections meanwhile and
then freezes what exists (`gc.freeze`), so later full collections only walk objects
made since; refcounting still frees everything as usual, only cycles among the frozen
objects wait for `release()`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def built_to_last() -> Iterator[None]:
    """Build a large, long-lived object graph without collections, then freeze the heap."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def release() -> None:
    """The frozen objects may be garbage now (the simulator stopped): collect them again."""
    gc.unfreeze()


def settle() -> None:
    """Freeze what was made since: the app's clients, panes and first reads, which live
    as long as the world does."""
    gc.freeze()
