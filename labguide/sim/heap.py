"""Keeping Python's garbage collector from pausing a running simulator.

A world is ~100,000 long-lived objects (moto's backends, botocore's models), an app
with its world ~400,000, `sim serve --accounts 200` millions. CPython's full
collections walk all of them while holding the GIL: measured 130-270 ms per full
collection in the app (every thread stops, key presses included), nine of them in a
minute of polling. Building under `built_to_last()` does no collections meanwhile and
then freezes what exists (`gc.freeze`), so later full collections only walk objects
made since; refcounting still frees everything as usual, only cycles among the frozen
objects wait for `release()`.

The app's own start is alike: the ~250 modules it imports (labguide's, Textual's,
pydantic's) and the lab screen are long-lived too, and full collections walking them
while the first frame and the step's text were drawn cost 30-85 ms each (measured,
gc.callbacks). `hold_for_start()` does no collections from the command line until the
first frame; `end_start_hold()` then freezes what exists and collects again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_start_held = False  # collections off since hold_for_start(), until end_start_hold()


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


def hold_for_start() -> None:
    """No collections while the app starts (imports, first frame): see the module doc."""
    global _start_held
    if gc.isenabled():
        gc.disable()
        _start_held = True


def end_start_hold() -> None:
    """The app drew its first frame (or ended): freeze what the start made, collect again.
    Does nothing unless hold_for_start() turned collections off."""
    global _start_held
    if _start_held:
        _start_held = False
        gc.freeze()
        gc.enable()
