"""`labguide class watch` (the dashboard) and the class commands for the dashboard's actions
that DESIGN.md's list lacks: `check`, `hint`, `help-answered`, `attackers pause|resume`.
Each prints the server's answer in a line; errors are one line and exit 2."""

from __future__ import annotations

import argparse
import json
from typing import Any

from labguide.errors import UserError


def add_parsers(class_sub: Any) -> None:
    """Add this module's subcommands to the `class` subparser."""
    watch = class_sub.add_parser("watch", help="the instructor's dashboard of a class")
    _common(watch)
    for name, what in (("check", "run a seat's checks now, on the server"),
                       ("hint", "show a seat the next hint of its current step"),
                       ("help-answered", "mark a seat's help request answered")):
        sub = class_sub.add_parser(name, help=what)
        _common(sub)
        sub.add_argument("--seat", type=int, required=True, metavar="K")
    attackers = class_sub.add_parser("attackers", help="pause or resume every seat's attacker")
    _common(attackers)
    attackers.add_argument("state", choices=("pause", "resume"))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="the class server's URL")
    parser.add_argument("--token-file", metavar="F",
                        help="the instructor token (default: the one `class serve` wrote)")


COMMANDS = ("watch", "check", "hint", "help-answered", "attackers")


def cmd_class(args: argparse.Namespace) -> int:
    from labguide.classroom.client import ClassClient, class_base_url, read_token

    url = class_base_url(args.url)
    token, path = read_token(args.token_file)
    if args.class_command == "watch":
        return _watch(url, token, args.token_file or str(path))
    client = ClassClient(url, token)
    try:
        if args.class_command == "check":
            answer = client.run_checks(args.seat)
        elif args.class_command == "hint":
            answer = client.push_hint(args.seat)
        elif args.class_command == "help-answered":
            answer = client.help_answered(args.seat)
        elif args.class_command == "attackers":
            answer = client.attackers(args.state == "pause")
        else:
            raise UserError(f"unknown class command {args.class_command}")
    finally:
        client.close()
    print(json.dumps(answer, sort_keys=True))
    return 0


def _watch(url: str, token: str, token_file: str) -> int:
    from labguide.progress.logs import setup_file_logging
    from labguide.tui.dashboard.app import DashboardApp, DashboardOptions

    setup_file_logging()
    app = DashboardApp(DashboardOptions(url=url, token=token, token_file=token_file))
    app.run()
    return app.return_code or 0
