"""The check kinds, one module each; the registry's names are exactly names.CHECK_KINDS."""

from __future__ import annotations

from collections.abc import Callable

from labguide.checks.kinds import (
    answer,
    filter_on_key,
    instance_restarted,
    key_rotated,
    sessions_revoked,
)
from labguide.scenario.names import CHECK_KINDS

# kind -> run(spec, ctx) -> Verdict; the answer kind also takes the step.
REGISTRY: dict[str, Callable] = {
    module.KIND: module.run
    for module in (answer, filter_on_key, sessions_revoked, instance_restarted, key_rotated)
}

assert set(REGISTRY) == CHECK_KINDS, (
    f"check kinds {sorted(REGISTRY)} differ from names.CHECK_KINDS {sorted(CHECK_KINDS)}")
