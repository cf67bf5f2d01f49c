"""AWS times: naive means UTC whatever this machine's zone is; IAM's epoch seconds."""

import time
from datetime import UTC, datetime

import pytest

from labguide.awstime import instant, iso, parse_policy_date


@pytest.fixture
def far_from_utc(monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_naive_datetime_is_utc_not_local_time(far_from_utc):
    assert iso(datetime(2026, 3, 1, 10, 0, 0)) == "2026-03-01T10:00:00Z"
    assert instant(datetime(2026, 3, 1, 10)) == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_policy_dates():
    assert parse_policy_date("1772359200") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_policy_date("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_policy_date("2026-03-01T12:00:00+02:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    for bad in ("", "soon", "99999999999999999999"):
        with pytest.raises(ValueError):
            parse_policy_date(bad)
