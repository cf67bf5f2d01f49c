"""Where the extensions keep their state: moto backends, per account (and region).

moto keeps every service's state in `BackendDict`s: `reset()` (every `mock_aws()` start)
clears them all, and the server's `release_account` drops an account from each. State
kept here follows the same life, so a fresh mock or a rebuilt account never sees an old
world's clock, sessions or credentials.

- `account_states[account_id][partition]` (`AccountState`): the world's clock and the
  role sessions the simulator issued, by access key. IAM and STS are global per
  partition, as they are in moto ("aws", "aws-cn", ...).
- `region_states[account_id][region]` (`RegionState`): what lives in one region, such
  as the credentials each EC2 instance was given.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.iam.models import PARTITION_NAMES


class AccountState(BaseBackend):
    """One account's (one partition's) simulator state."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.clock: Any = None  # a SimClock once a world lives here (labguide.sim.clock)
        self.role_sessions: dict[str, Any] = {}  # access key id -> RoleSession


class RegionState(BaseBackend):
    """One account's simulator state in one region."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.instance_credentials: dict[str, list[Any]] = {}  # instance id -> issued, oldest first
        # instance id -> callables(at) run when its state changes (its application's health)
        self.state_watchers: dict[str, list[Any]] = {}


account_states: BackendDict[AccountState] = BackendDict(
    AccountState, "iam", use_boto3_regions=False, additional_regions=PARTITION_NAMES
)
region_states: BackendDict[RegionState] = BackendDict(RegionState, "ec2")


def partition_of(region: str) -> str:
    """The partition a region belongs to ("cn-north-1" -> "aws-cn")."""
    from moto.utilities.utils import get_partition

    return get_partition(region)


def account_state(account_id: str, partition: str = "aws") -> AccountState:
    return account_states[account_id][partition]


def peek_account_state(account_id: str, partition: str = "aws") -> AccountState | None:
    """The account's state if it exists, without creating it (plain dict reads)."""
    account = dict.get(account_states, account_id)
    return dict.get(account, partition) if account is not None else None


def region_state(account_id: str, region: str) -> RegionState:
    return region_states[account_id][region]


def peek_region_state(account_id: str, region: str) -> RegionState | None:
    account = dict.get(region_states, account_id)
    return dict.get(account, region) if account is not None else None


def verify_moto_internals() -> str | None:
    """What this module relies on: BackendDict's registry (reset reaches every instance)
    and its per-account dict shape. Returns the first problem found."""
    import inspect

    if not isinstance(getattr(BackendDict, "_instances", None), list):
        return "moto.core.base_backend.BackendDict._instances is no longer a list"
    if "_instances" not in inspect.getsource(BackendDict.reset):
        return "BackendDict.reset() no longer resets every BackendDict instance"
    if not issubclass(BackendDict, dict):
        return "BackendDict is no longer a dict"
    try:
        from moto.utilities.utils import get_partition  # noqa: F401
    except ImportError:
        return "moto.utilities.utils.get_partition is gone"
    return None


def forget_account(account_id: str) -> None:
    """Drop the account's simulator state (a world is about to be rebuilt in it)."""
    from moto.core.base_backend import backend_lock

    with backend_lock:
        for backends in (account_states, region_states):
            backends.pop(account_id, None)
