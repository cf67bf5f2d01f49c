"""Install every simulator extension into moto, once, before the first request.

Each extension module exposes `install()`, which verifies the moto internals it
relies on and raises ExtensionError if they changed, then patches moto. The
order does not matter; every install is idempotent.
"""

from __future__ import annotations

import importlib
import threading

# The extension modules, each with an `install()`.
EXTENSION_MODULES: tuple[str, ...] = (
    "labguide.sim.moto_internals",  # every moto name labguide imports or calls, checked first
    "labguide.sim.datacache",  # botocore's decoded data shared by sessions (cold start)
    "labguide.sim.thread_random",  # a world rebuilt while others serve gets the same ids
    "labguide.sim.account_lookup",  # access key -> account in O(1) (many accounts per server)
    "labguide.sim.dispatch_cache",  # handler names listed once per response class
    "labguide.sim.serialize_cache",  # serializer attribute names and transformer matches
    "labguide.sim.xml_unparse",  # XML answers written directly, as xmltodict.unparse would
    "labguide.sim.guardduty",  # findings, ListFilters, archive, statistics, threat intel sets
    "labguide.sim.iam_revocation",  # aws:TokenIssueTime date conditions on role sessions
    "labguide.sim.ec2_lifecycle",  # start gives a new LaunchTime and new instance credentials
    "labguide.sim.ssm_shell",  # RunCommand output of a small instance shell (IMDS v1/v2)
    "labguide.sim.cloudtrail",  # event history of every call; LookupEvents
    "labguide.sim.logs_patterns",  # FilterLogEvents' documented filter pattern syntax
)

_lock = threading.Lock()


def install_extensions() -> None:
    """Install every extension; idempotent; raises ExtensionError if moto changed."""
    with _lock:
        for name in EXTENSION_MODULES:
            importlib.import_module(name).install()
