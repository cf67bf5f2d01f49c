"""A participant's joined seat, kept on their laptop: LABGUIDE_HOME/class/seat.json (0600).

`labguide join` writes it (again on a re-join, from any laptop); `labguide answer` and
the app read it to report to the class server. It holds the seat's secret key: the file
is created owner-only in an owner-only folder, and its secret is never printed whole.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from labguide.errors import UserError
from labguide.progress.files import write_atomically
from labguide.progress.paths import data_dir


@dataclass(frozen=True)
class JoinedSeat:
    url: str
    code: str
    seat: int
    name: str
    scenario: str
    region: str
    account_id: str
    endpoint_url: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return f"JoinedSeat(url={self.url!r}, seat={self.seat}, account_id={self.account_id!r})"

    def env_block(self) -> str:
        from labguide.sim.shell_env import export_lines

        return export_lines(f"labguide class seat {self.seat} ({self.name}), account "
                            f"{self.account_id}", self.endpoint_url, self.access_key_id,
                            self.secret_access_key, self.region)


def seat_path() -> Path:
    return data_dir() / "class" / "seat.json"


def save_seat(seat: JoinedSeat) -> Path:
    path = seat_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    write_atomically(path, json.dumps(asdict(seat), indent=2) + "\n")
    return path


def load_seat() -> JoinedSeat | None:
    """The joined seat, or None if this laptop has not joined a class."""
    path = seat_path()
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        return JoinedSeat(**{k: raw[k] for k in JoinedSeat.__dataclass_fields__})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: not a joined seat ({type(exc).__name__}); "
                        "join again with `labguide join URL CODE`") from None


def seat_from_join(url: str, code: str, answer: dict[str, Any]) -> JoinedSeat:
    try:
        return JoinedSeat(url=url, code=code, seat=int(answer["seat"]),
                          name=str(answer.get("name") or ""), scenario=str(answer["scenario"]),
                          region=str(answer["region"]), account_id=str(answer["account_id"]),
                          endpoint_url=str(answer["endpoint_url"]),
                          access_key_id=str(answer["access_key_id"]),
                          secret_access_key=str(answer["secret_access_key"]))
    except (KeyError, TypeError, ValueError):
        raise UserError(f"the class server at {url} answered the join without a seat") from None
