"""`labguide class serve|status|reset|solve|message|export`: the instructor's commands.

`class serve` runs the class server in the foreground until Ctrl-C (exit 130); the
others talk to a running one through the class API with the instructor token
(`--token-file`, else the copy `class serve` leaves in LABGUIDE_HOME/class/).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from labguide.errors import UserError


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    from labguide.classroom.client import default_token_file
    from labguide.classroom.serve import open_class, read_roster
    from labguide.progress.paths import data_dir
    from labguide.scenario import load_scenario
    from labguide.sim.addresses import is_loopback

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be from 0 to 65535, not {args.port}")
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if not 1 <= workers <= 64:
        raise UserError(f"--workers must be from 1 to 64, not {workers}")
    roster = read_roster(Path(args.roster)) if args.roster else []
    seats = args.seats if args.seats is not None else (len(roster) or None)
    state_dir = Path(args.state).expanduser() if args.state else data_dir() / "class"
    loaded = load_scenario(args.scenario)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _raise_interrupt)
        signal.signal(signal.SIGTERM, _raise_interrupt)
    started = time.monotonic()
    if seats is None and not (state_dir / "class.sqlite3").exists():
        raise UserError("--seats N is needed for a new class (or --roster FILE)")
    served = open_class(loaded, state_dir, seats=seats, host=args.host, port=args.port,
                        roster=roster, public_url=args.public_url,
                        token_copy=default_token_file(), workers=workers)
    try:
        records = served.state.seats()
        if served.restored and seats is not None and seats != len(records):
            print(f"labguide: note: {state_dir} holds a class of {len(records)} seats; "
                  f"--seats {seats} is ignored", file=sys.stderr)
        print(f"class URL: {served.url}")
        print(f"instructor token: {served.token_file} (0600; also {default_token_file()})")
        print(f"seats: {state_dir / 'seats.csv'}")
        for record in records:
            print(f"  seat {record.seat:>3}  {record.join_code}  {record.name}")
        if not is_loopback(args.host):
            print(f"labguide: serving on {args.host}: participants join with "
                  f"`labguide join {served.url} CODE`", file=sys.stderr)
        verb = "restored" if served.restored else "ready"
        print(f"labguide: class of {len(records)} seat(s) of {loaded.scenario.id} {verb} in "
              f"{time.monotonic() - started:.1f} s; Ctrl-C to stop", file=sys.stderr, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("labguide: stopping the class server (its state stays in "
              f"{state_dir})", file=sys.stderr)
        return 130
    finally:
        served.stop()
    return 0  # pragma: no cover


def _client(args: argparse.Namespace) -> Any:
    from labguide.classroom.client import ClassClient, read_token

    token, _ = read_token(getattr(args, "token_file", None))
    return ClassClient(args.url, token=token)


def clean(text: str) -> str:
    """Participant text was made printable by the server; this guards an older one."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))


def cmd_status(args: argparse.Namespace) -> int:
    status = _client(args).status()
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"{status.get('scenario')}: {len(status.get('seats') or [])} seat(s)")
    for seat in status.get("seats") or []:
        marks = "".join({"done": "#", "failing": "x", "in-progress": ">",
                         "not-started": "."}.get(s["status"], "?") for s in seat["steps"])
        joined = "joined" if seat.get("joined") else "not joined"
        helping = "  HELP: " + clean(seat.get("help_text") or "") if seat.get("help") else ""
        attacker = seat.get("attacker") or {}
        print(f"seat {seat['seat']:>3}  {clean(seat.get('name') or ''):<20}  {marks}  "
              f"{clean(seat.get('current_step') or '-'):<20} {joined:<10} "
              f"last seen {seat.get('last_seen') or '-'}  attacker "
              f"{attacker.get('allowed', '-')} ok/{attacker.get('denied', '-')} denied{helping}")
        for step in seat["steps"]:
            if step["status"] == "failing" and step.get("last_failure"):
                print(f"      {step['id']}: {clean(step['last_failure'])}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    answer = _client(args).reset(args.seat, args.step)
    where = f"the start of step {args.step}" if args.step else "its first state"
    print(f"seat {answer.get('seat', args.seat)}: reset to {where}")
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    answer = _client(args).solve(args.seat, args.step)
    for action in answer.get("actions") or []:
        print(f"# {action}")
    print(f"seat {args.seat}: step {args.step} solved")
    return 0


def cmd_message(args: argparse.Namespace) -> int:
    _client(args).message(args.text, args.seat)
    print(f"sent to {'seat ' + str(args.seat) if args.seat is not None else 'every seat'}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    data = _client(args).export(args.format)
    sys.stdout.write(data.decode("utf-8"))
    return 0
