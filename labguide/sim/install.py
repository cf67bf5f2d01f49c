"""Install every simulator extension into moto, once, before the first request.

Each extension module exposes `install()`, which verifies the moto internals it
relies on and raises ExtensionError if they changed, then patches moto. The
order does not matter; every install is idempotent.
"""

from __future__ import annotations

import importlib
import threading

# The extension modules, each with an `install()`; sim-world's IAM/EC2/SSM extensions
# are listed here as they land.
EXTENSION_MODULES: tuple[str, ...] = (
    "labguide.sim.guardduty",
)

_lock = threading.Lock()


def install_extensions() -> None:
    """Install every extension; idempotent; raises ExtensionError if moto changed."""
    with _lock:
        for name in EXTENSION_MODULES:
            importlib.import_module(name).install()
