"""Where labguide keeps a learner's data: progress, simulator journals, logs, its cache.

`LABGUIDE_HOME` overrides platformdirs' user data directory, so tests and
classrooms can point every learner's files somewhere of their own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The user data directory, created on first use."""
    override = os.environ.get("LABGUIDE_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir("labguide", False))
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)  # the learner's data: private
    return path


def cache_dir() -> Path:
    """Where labguide keeps what it can rebuild (validated scenarios): under `LABGUIDE_HOME`
    when set, else platformdirs' user cache directory. Created by whoever writes there."""
    override = os.environ.get("LABGUIDE_HOME")
    if override:
        return Path(override) / "cache"
    return Path(platformdirs.user_cache_dir("labguide", False))


def progress_db_path() -> Path:
    return data_dir() / "progress.sqlite3"


def log_path() -> Path:
    return data_dir() / "labguide.log"


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", part)[:80] or "_"


def journal_path(scenario_id: str, account: str) -> Path:
    """The simulator's journal for one scenario and account: the world's state-changing requests."""
    folder = data_dir() / "journals"
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{_safe(scenario_id)}--{_safe(account)}.journal"


def sim_env_path(scenario_id: str) -> Path:
    """The shell file pointing the AWS CLI at the app's embedded simulated account."""
    return data_dir() / f"sim-{_safe(scenario_id)}.env"
