"""The check kinds, one module each, registered in `labguide.scenario.kinds`.

Every kind runs as `run(spec, ctx, step) -> Verdict`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from labguide.scenario.kinds import CHECK_REGISTRY, implementation


@functools.cache
def runner_for(kind: str) -> Callable:
    """The implementation of check kind `kind` (imported on first use)."""
    return implementation(CHECK_REGISTRY[kind])
