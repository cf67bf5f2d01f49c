"""A revocation's moment is written in UTC whatever this machine's time zone."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pytest

from labguide.actions.pane import iso_utc


@pytest.fixture
def sydney(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Australia/Sydney")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    os.environ.pop("TZ", None)
    time.tzset()


def test_a_naive_moment_is_utc_not_local_time(sydney) -> None:
    assert iso_utc(datetime(2026, 11, 28, 12, 0, 0)) == "2026-11-28T12:00:00Z"
