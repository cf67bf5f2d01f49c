"""AWS's time formats in one place, below every layer that reads them: ISO-8601 instants
(with "Z", an offset, or none: AWS means UTC), epoch seconds in IAM date conditions,
epoch milliseconds in GuardDuty, and naive datetimes (UTC, never this machine's zone)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_EPOCH_SECONDS = re.compile(r"^\d+$")


def to_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (AWS's times are UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant (with Z or an offset; naive means UTC). ValueError if not."""
    return to_utc(datetime.fromisoformat(text.strip().replace("z", "Z")))


def parse_policy_date(value: Any) -> datetime:
    """An IAM date condition value, as IAM reads it: ISO 8601 (with or without a zone)
    or epoch seconds. ValueError when it is neither."""
    text = str(value).strip()
    if _EPOCH_SECONDS.match(text):
        try:
            return datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"epoch seconds {text} out of range") from exc
    return parse_instant(text)


def instant(value: Any) -> datetime:
    """A datetime from an ISO-8601 string, epoch ms or a datetime; the epoch when absent."""
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and value:
        return parse_instant(value)
    return datetime.fromtimestamp(0, UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a Z, milliseconds only when present (naive means UTC)."""
    moment = to_utc(moment)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def span(seconds: float | None) -> str:
    """A duration as people read it on a dashboard: `42s`, `4m05s`, `1h02m`; `—` unknown."""
    if seconds is None:
        return "—"
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
