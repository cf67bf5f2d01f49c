"""The CloudWatch agent's `logs` section on a simulated instance: files -> log groups.

Each collected file is read from where the agent stopped last time; new complete lines
become log events of the configured group and stream (created when missing, as the
agent does with `logs:CreateLogGroup`/`CreateLogStream`), in order. An event's timestamp
is the time in the line's syslog stamp (the agent's `timestamp_format`
"%b %d %H:%M:%S"), else the moment of shipping. A file that shrank was rotated and is
read from its start. Events older than 14 days are refused as PutLogEvents refuses them
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html),
judged on the world's clock, not the wall clock.

What CloudWatch Logs stamps on arrival is the world's too, so a world replays the same:
an event's `ingestionTime` is the moment it was shipped on the world clock (never before
its `timestamp`: a line is shipped after it was written), where moto would stamp the
wall clock, and its `eventId` (a 56-digit number, as CloudWatch Logs gives) comes from
the agent's own generator, seeded from the world's seed, where moto counts events across
the whole process.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from labguide.sim.clock import to_utc
from labguide.sim.sshd.authlog import line_time

MAX_AGE = timedelta(days=14)


@dataclass(frozen=True)
class CollectedFile:
    """One `collect_list` entry: file_path, log_group_name, log_stream_name."""

    path: str
    log_group: str
    log_stream: str


class LogAgent:
    """Ships new lines of an instance's files to CloudWatch Logs in moto's backend."""

    def __init__(self, account_id: str, region: str, files: list[CollectedFile],
                 read: Callable[[str], str | None], *, seed: int = 0):
        self.account_id = account_id
        self.region = region
        self.files = list(files)
        self._read = read
        self._offsets: dict[str, int] = {}
        self._ids = random.Random(seed)

    def ship(self, now: datetime) -> int:
        """Send every complete line written since the last run; returns how many."""
        sent = 0
        for collected in self.files:
            text = self._read(collected.path) or ""
            offset = self._offsets.get(collected.path, 0)
            if len(text) < offset:  # rotated or truncated: start over
                offset = 0
            end = text.rfind("\n", offset) + 1
            if end <= offset:
                continue
            lines = text[offset:end].splitlines()
            self._offsets[collected.path] = end
            sent += self._put(collected, lines, to_utc(now))
        return sent

    def _put(self, collected: CollectedFile, lines: list[str], now: datetime) -> int:
        from moto.logs.models import logs_backends

        backend = logs_backends[self.account_id][self.region]
        if collected.log_group not in backend.groups:
            backend.create_log_group(collected.log_group, {})
        group = backend.groups[collected.log_group]
        if collected.log_stream not in group.streams:
            backend.create_log_stream(collected.log_group, collected.log_stream)
        events = []
        last = 0
        for line in lines:
            if not line.strip():
                continue
            moment = _stamp(line, now)
            if now - moment > MAX_AGE:
                continue
            millis = max(int(moment.timestamp() * 1000), last)  # one request is in order
            last = millis
            events.append({"timestamp": millis, "message": line})
        if events:
            group.put_log_events(collected.log_stream, events)
            self._stamp_arrival(group.streams[collected.log_stream], len(events), now)
        return len(events)

    def _stamp_arrival(self, stream: Any, count: int, now: datetime) -> None:
        """The arrival moment (world clock) and the event ids of the `count` events just put."""
        arrived = int(now.timestamp() * 1000)
        stream.last_ingestion_time = now.replace(tzinfo=None)  # moto keeps naive UTC
        for event in stream.events[-count:]:
            event.ingestion_time = arrived
            event.event_id = str(self._ids.randrange(10 ** 55, 10 ** 56))


def _stamp(line: str, now: datetime) -> datetime:
    moment = line_time(line, year=now.year)
    if moment is None:
        return now
    if moment > now + timedelta(days=1):  # a December line read in January
        moment = moment.replace(year=now.year - 1)
    return moment
