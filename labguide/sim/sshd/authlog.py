"""Lines as rsyslog writes them to /var/log/secure on Amazon Linux (traditional format).

`Dec  1 23:40:01 ip-10-0-0-15 sshd[2412]: Failed password for ec2-user from A port P ssh2`:
month abbreviation, day padded to two columns with a space, local time (UTC on EC2),
host name, program[pid], message. There is no year; a reader supplies it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_LINE = re.compile(r"^(?P<month>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<time>\d\d:\d\d:\d\d) ")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def syslog_line(at: datetime, hostname: str, program: str, pid: int | None,
                message: str) -> str:
    """A line as rsyslog writes it: its default template names the host by its short
    name (an EC2 instance's ip-10-0-0-15, not the .compute.internal FQDN)."""
    moment = at.astimezone(UTC) if at.tzinfo else at
    tag = f"{program}[{pid}]" if pid is not None else program
    return (f"{_MONTHS[moment.month - 1]} {moment.day:>2} {moment:%H:%M:%S} "
            f"{hostname.split('.')[0]} {tag}: {message}")


def line_time(line: str, *, year: int) -> datetime | None:
    """The moment a syslog line was written (UTC), or None if it has no syslog stamp."""
    match = _LINE.match(line)
    if match is None or match["month"] not in _MONTHS:
        return None
    hour, minute, second = (int(part) for part in match["time"].split(":"))
    return datetime(year, _MONTHS.index(match["month"]) + 1, int(match["day"]), hour, minute,
                    second, tzinfo=UTC)
