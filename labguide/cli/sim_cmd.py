"""`labguide sim serve`: a scenario's world in N accounts on one simulator endpoint.

Prints, for each account, the `export` lines that point the AWS CLI and boto3 at
it, writes the same to --env-file once every account is ready (atomically, so a
script waiting for the file never reads half of it), runs the attackers on the
wall clock and serves until Ctrl-C (exit 130). Every account's keys are random per
run; every AWS request must be signed with its account's secret; `/moto-api/` needs
the admin token written (0600) to LABGUIDE_HOME/sim-serve-PORT.token.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from labguide.errors import UserError
from labguide.progress.files import write_atomically
from labguide.progress.paths import data_dir
from labguide.sim.addresses import advertised_url
from labguide.sim.shell_env import env_block

MAX_ACCOUNTS = 1000


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
    from labguide.sim.server import SimServer, random_credentials

    server = SimServer(args.host, args.port, check_signatures=True,
                       admin_token=secrets.token_urlsafe(32))
    try:
        server.start()
    except OSError as exc:
        reason = exc.strerror or exc
        raise UserError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    server.public_url = advertised_url(args.host, server.port)
    token_file = data_dir() / f"sim-serve-{server.port}.token"
    write_atomically(token_file, server.admin_token + "\n")
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
                world = server.add_world(scenario.world.source, dict(scenario.world.params),
                                         region=scenario.region, seed=index,
                                         learner=random_credentials())
                block = env_block(world, server.endpoint_url)
                blocks.append(block)
                print(block, flush=True)
        if args.env_file:
            write_atomically(Path(args.env_file), "\n".join(blocks))
        server.start_realtime()
        print(f"labguide: serving {args.accounts} account(s) of {scenario.id} at "
              f"{server.endpoint_url} (ready in {time.monotonic() - started:.1f} s); "
              f"admin token (for /moto-api/) in {token_file}; Ctrl-C to stop",
              file=sys.stderr, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("labguide: stopping the simulator", file=sys.stderr)
        return 130
    finally:
        server.stop()
        token_file.unlink(missing_ok=True)
    return 0  # pragma: no cover - the wait above only ends by interruption
