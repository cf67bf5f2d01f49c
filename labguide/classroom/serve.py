"""`class serve`'s machinery: a class's state opened (or created), its seats served.

A new class: N seats, each a world with a random seed and random keys, names from the
roster CSV (row K is seat K), join codes, `seats.csv` (never a secret) and the
instructor token (0600) in the state folder. A class already in the state folder comes
back as it was: same seats, same keys, worlds rebuilt from their journals.
"""

from __future__ import annotations

import csv
import io
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labguide.classroom.api import PREFIX, ClassApi
from labguide.classroom.room import Classroom, printable
from labguide.classroom.seats import SeatWorlds
from labguide.classroom.state import ClassState, now_iso
from labguide.errors import UserError
from labguide.progress.files import write_atomically
from labguide.sim.server import SimServer

TOKEN_FILE = "instructor.token"
SEATS_FILE = "seats.csv"
MAX_SEATS = 1000


def read_roster(path: Path) -> list[dict[str, str]]:
    """The roster's rows (name, email): a CSV whose header names at least `name`."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"--roster {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"--roster {path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "name" not in fields:
        raise UserError(f"--roster {path}:1: the header row must name a 'name' column")
    rows = []
    for number, row in enumerate(reader, 2):
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()
                 if isinstance(v, str)}
        if not clean.get("name"):
            raise UserError(f"--roster {path}:{number}: the name is empty")
        rows.append({"name": printable(clean["name"], 80),
                     "email": printable(clean.get("email", ""), 200)})
    return rows


@dataclass
class ClassServer:
    """A running class: SimServer + Classroom + the class API, on one port."""

    server: SimServer
    room: Classroom
    state: ClassState
    token_file: Path
    restored: bool
    workers: list[Any] = field(default_factory=list)  # worker processes (--workers W > 1)

    @property
    def url(self) -> str:
        return self.server.endpoint_url

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.room.stop()
        self.server.stop()
        self.state.close()


def open_class(loaded: Any, state_dir: Path, *, seats: int | None, host: str = "127.0.0.1",
               port: int = 0, roster: list[dict[str, str]] | None = None,
               public_url: str | None = None, check_period: float | None = None,
               token_copy: Path | None = None, workers: int = 1) -> ClassServer:
    """Serve the class in `state_dir`: restored if it holds one, else created with `seats`."""
    from labguide.sim.addresses import advertised_url
    from labguide.sim.heap import built_to_last

    scenario = loaded.scenario
    state = ClassState(state_dir)
    restored = state.meta("scenario") is not None
    try:
        if restored and state.meta("scenario") != scenario.id:
            raise UserError(f"--state {state_dir} holds a class of {state.meta('scenario')}, "
                            f"not {scenario.id}")
        token_file = Path(state_dir) / TOKEN_FILE
        token = _token(token_file)
        server = SimServer(host, port, check_signatures=True, admin_token=token)
        try:
            server.start()
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except BaseException:
        state.close()
        raise
    try:
        server.public_url = advertised_url(host, server.port, public_url)
        worlds = SeatWorlds(state, server, scenario.world.source, dict(scenario.world.params),
                            scenario.region)
        room = Classroom(loaded, state, worlds, **({"check_period": check_period}
                                                   if check_period else {}))
        server.routes[PREFIX] = ClassApi(room, token)
        processes: list[Any] = []
        if workers > 1:
            if not restored:
                _plan_seats(state, scenario, seats or 0, roster or [])
            processes = _start_workers(state, Path(state_dir), workers, host, scenario.id)
            urls = {i: state.meta(f"worker.{i}.url") for i in range(workers)}
            server.routes[PREFIX] = ClassApi(room, token,
                                             worker_of=lambda seat: urls[(seat - 1) % workers])
        else:
            with built_to_last():
                if restored:
                    for record in state.seats():
                        worlds.restore(record)
                        state.update_seat(record.seat, endpoint_url=server.endpoint_url)
                else:
                    _provision(state, worlds, scenario, seats or 0, roster or [])
        _write_seats_csv(state, Path(state_dir) / SEATS_FILE)
        if token_copy is not None and token_copy.resolve() != token_file.resolve():
            token_copy.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(token_copy, token + "\n")
        server.start_realtime()
        room.start()
    except BaseException:
        server.stop()
        state.close()
        raise
    return ClassServer(server, room, state, token_file, restored, processes)


def _plan_seats(state: ClassState, scenario: Any, seats: int,
                roster: list[dict[str, str]]) -> None:
    """A sharded class's seats, decided here and built by the workers: seed, keys, ids."""
    from labguide.classroom.seats import new_join_code
    from labguide.classroom.state import SeatRecord
    from labguide.sim.server import allocate_account_id, random_credentials

    for seat, person in _begin(state, scenario, seats, roster):
        keys = random_credentials()
        state.add_seat(SeatRecord(
            seat=seat, name=person["name"], email=person["email"], join_code=new_join_code(),
            account_id=allocate_account_id(), access_key_id=keys.access_key_id,
            secret_access_key=keys.secret_access_key, seed=secrets.randbits(31), epoch=None,
            worker=0, endpoint_url=""), list(scenario.step_ids))


def _start_workers(state: ClassState, state_dir: Path, count: int, host: str,
                   scenario_id: str) -> list[Any]:
    """W worker processes, each serving its share; returns once every one is serving."""
    for index in range(count):
        state.set_meta(f"worker.{index}.url", "")
    processes = [subprocess.Popen([sys.executable, "-m", "labguide.classroom.worker",
                                   str(state_dir), str(index), str(count), host, scenario_id],
                                  stdout=subprocess.DEVNULL)
                 for index in range(count)]
    deadline = time.monotonic() + 900
    try:
        while not all(state.meta(f"worker.{i}.url") for i in range(count)):
            failed = [p for p in processes if p.poll() is not None]
            if failed:
                raise UserError(f"a class worker stopped while starting (exit "
                                f"{failed[0].returncode})")
            if time.monotonic() > deadline:
                raise UserError("the class workers did not start in 15 minutes")
            time.sleep(0.2)
    except BaseException:
        for process in processes:
            process.kill()
        raise
    return processes


def _token(path: Path) -> str:
    """The class's instructor token: kept in the state folder (0600), made once."""
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = secrets.token_urlsafe(32)
    write_atomically(path, token + "\n")
    return token


def _begin(state: ClassState, scenario: Any, seats: int,
           roster: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """A new class's meta written; its (seat, person) pairs, names from the roster."""
    if not 1 <= seats <= MAX_SEATS:
        raise UserError(f"--seats must be from 1 to {MAX_SEATS}, not {seats}")
    if roster and len(roster) > seats:
        raise UserError(f"the roster names {len(roster)} people but --seats is {seats}")
    state.set_meta("scenario", scenario.id)
    state.set_meta("started_at", now_iso())
    return [(seat, roster[seat - 1] if seat <= len(roster)
             else {"name": f"seat {seat}", "email": ""}) for seat in range(1, seats + 1)]


def _provision(state: ClassState, worlds: SeatWorlds, scenario: Any, seats: int,
               roster: list[dict[str, str]]) -> None:
    for seat, person in _begin(state, scenario, seats, roster):
        record = worlds.provision(seat, person["name"], person["email"], worker=0)
        state.add_seat(record, list(scenario.step_ids))


def _write_seats_csv(state: ClassState, path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["seat", "name", "join_code", "account_id", "access_key_id"])
    for record in state.seats():
        writer.writerow([record.seat, record.name, record.join_code, record.account_id,
                         record.access_key_id])
    write_atomically(path, out.getvalue())
