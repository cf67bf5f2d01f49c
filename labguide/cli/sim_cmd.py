"""`labguide sim serve`: a scenario's world in N accounts on one simulator endpoint.

Prints, for each account, the `export` lines that point the AWS CLI and boto3 at
it, writes the same to --env-file once every account is ready (atomically, so a
script waiting for the file never reads half of it), runs the attackers on the
wall clock and serves until Ctrl-C (exit 130).
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from labguide.errors import UserError
from labguide.progress.files import write_atomically
from labguide.sim.shell_env import env_block

MAX_ACCOUNTS = 1000


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_args(args: argparse.Namespace) -> None:
    if not 1 <= args.accounts <= MAX_ACCOUNTS:
        raise UserError(f"--accounts must be from 1 to {MAX_ACCOUNTS}, not {args.accounts}")
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be from 0 to 65535, not {args.port}")
    if args.env_file:
        folder = Path(args.env_file).expanduser().resolve().parent
        if not folder.is_dir():
            raise UserError(f"--env-file: folder {folder} does not exist")


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    _check_args(args)
    from labguide.scenario import load_scenario

    scenario = load_scenario(args.scenario).scenario
    from labguide.sim.heap import built_to_last
    from labguide.sim.server import SimServer

    if not _is_loopback(args.host):
        print(f"labguide: warning: serving on {args.host}, reachable from other machines; "
              "the simulator checks no signatures, so anyone who can reach it can use "
              "every account", file=sys.stderr)
    server = SimServer(args.host, args.port)
    try:
        server.start()
    except OSError as exc:
        reason = exc.strerror or exc
        raise UserError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C and a service manager's TERM both stop cleanly, even when started from a
        # shell that ignores SIGINT for background jobs.
        signal.signal(signal.SIGINT, _raise_interrupt)
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        started = time.monotonic()
        blocks = []
        with built_to_last():  # the worlds live until the end: no collections walk them
            for index in range(args.accounts):
                world = server.add_world(scenario.world.name, dict(scenario.world.params),
                                         region=scenario.region, seed=index)
                block = env_block(world, server.endpoint_url)
                blocks.append(block)
                print(block, flush=True)
        if args.env_file:
            write_atomically(Path(args.env_file), "\n".join(blocks))
        server.start_realtime()
        print(f"labguide: serving {args.accounts} account(s) of {scenario.id} at "
              f"{server.endpoint_url} (ready in {time.monotonic() - started:.1f} s); "
              "Ctrl-C to stop", file=sys.stderr, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("labguide: stopping the simulator", file=sys.stderr)
        return 130
    finally:
        server.stop()
    return 0  # pragma: no cover - the wait above only ends by interruption
