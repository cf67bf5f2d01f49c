"""The `labguide` command line: parse, dispatch, and map outcomes to exit codes.

Exit codes (DESIGN.md): 0 success; 1 checks ran and not all passed; 2 bad input
or configuration (a message, never a traceback); 130 on Ctrl-C. Each command's
work lives in a sibling module; this one only wires them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from labguide import __version__
from labguide.errors import ScenarioError, UserError
from labguide.textsafe import visible

# The one note on --sim's lifetime: in `check`/`solve` help, and printed by `solve --sim`
# (check_cmd.SESSION_NOTE). It lives here so that building the parser imports nothing heavy.
SIM_NOTE = (
    "With --sim every invocation starts a fresh simulated account, so a `solve` is not seen by "
    "a later `check`; run `labguide sim serve` and use --endpoint (or AWS_ENDPOINT_URL) for that."
)


# Why bare `labguide` may not open the embedded simulator: a shell that sourced an env file
# (Ctrl+E, `sim serve --env-file`) still has AWS_ENDPOINT_URL, which means --endpoint.
ENV_ENDPOINT_NOTE = (
    "AWS_ENDPOINT_URL in the environment means --endpoint (the app says so in its status "
    "line); pass --sim for the embedded simulator, or unset AWS_ENDPOINT_URL."
)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage already; keep its message on one clear line."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_target(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("target (where the account is)")
    kind = group.add_mutually_exclusive_group()
    kind.add_argument(
        "--sim", dest="target", action="store_const", const="sim",
        help="a fresh simulated account inside this process (default)",
    )
    kind.add_argument(
        "--endpoint", dest="endpoint", metavar="URL",
        help="an AWS-compatible endpoint, e.g. a `labguide sim serve` (also AWS_ENDPOINT_URL)",
    )
    kind.add_argument(
        "--aws", dest="target", action="store_const", const="aws",
        help="a real AWS account through boto3's default credential chain",
    )
    group.add_argument("--profile", help="AWS profile for --aws or --endpoint")
    group.add_argument("--region", help="AWS region (default: the scenario's)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="labguide", description="A terminal lab guide for cloud-security exercises.",
        epilog="With no command, `labguide` opens the app: pick a bundled scenario and work "
               "on the embedded simulator (the same as `labguide run`). " + ENV_ENDPOINT_NOTE,
    )
    parser.add_argument("--version", action="version", version=f"labguide {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser(
        "run", help="open the app on one scenario",
        epilog=ENV_ENDPOINT_NOTE)
    run.add_argument("scenario", nargs="?", default=None, help="bundled id or path to a YAML file")
    _add_target(run)
    run.add_argument("--allow-changes", action="store_true",
                     help="on a real account, let pane actions change it (each asks first)")
    run.add_argument("--reset", action="store_true",
                     help="start the scenario over: forget its progress (and the simulated "
                     "account's changes); asks first when there is progress to lose")
    run.add_argument("--yes", action="store_true", help="with --reset: do not ask")
    run.add_argument("--watch", action="store_true",
                     help="reload the scenario file and its content when they change, keeping "
                     "the account and progress; problems are shown in place")

    rewind = sub.add_parser(
        "rewind", help="put the simulated account back to a step's start (the app's R)",
        epilog="While the app is closed. The next `labguide run SCENARIO` opens the step on "
        "the account as it was when the step was first opened; answers are kept.")
    rewind.add_argument("scenario", help="bundled id or path to a YAML file")
    rewind.add_argument("--step", metavar="ID", help="the step to go back to (default: the "
                        "current one: restart it)")
    rewind.add_argument("--yes", action="store_true", help="do not ask")

    sub.add_parser("list", help="list bundled scenarios")

    validate = sub.add_parser("validate", help="validate scenario files")
    validate.add_argument("paths", nargs="+", metavar="PATH")

    sub.add_parser("schema", help="print the JSON Schema of the scenario format")

    check = sub.add_parser(
        "check", help="check a scenario's steps against an account", epilog=SIM_NOTE
    )
    check.add_argument("scenario")
    check.add_argument("--step", metavar="ID")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    _add_target(check)

    solve = sub.add_parser(
        "solve", help="apply a step's solution to an account", epilog=SIM_NOTE
    )
    solve.add_argument("scenario")
    solve.add_argument("--step", metavar="ID", required=True)
    solve.add_argument("--yes", action="store_true", help="confirm changes to a real account")
    _add_target(solve)

    test = sub.add_parser(
        "test", help="prove a scenario on fresh simulated accounts: each step's checks fail "
        "before its solution and pass after it; its counterexamples never pass")
    test.add_argument("scenario", help="bundled id or path to a YAML file")
    test.add_argument("--step", metavar="ID", help="prove only this step (the earlier steps' "
                      "solutions are applied first)")
    test.add_argument("--json", action="store_true", help="print one JSON object")

    new = sub.add_parser("new", help="write a minimal, valid scenario skeleton")
    new.add_argument("id", help="the scenario id: lowercase letters, digits and dashes")
    new.add_argument("--dir", default=".", help="where to write it (default: here)")

    sim = sub.add_parser("sim", help="the simulator")
    sim_sub = sim.add_subparsers(dest="sim_command", parser_class=_Parser, required=True)
    serve = sim_sub.add_parser("serve", help="serve simulated accounts for a scenario")
    serve.add_argument("scenario")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    serve.add_argument("--accounts", type=int, default=1)
    serve.add_argument("--env-file", metavar="PATH")

    klass = sub.add_parser("class", help="a class: its server, the dashboard, seat actions")
    class_sub = klass.add_subparsers(dest="class_command", parser_class=_Parser, required=True)
    from labguide.cli import class_watch_cmd

    class_watch_cmd.add_parsers(class_sub)
    _add_class(class_sub)

    join = sub.add_parser("join", help="join a class: the seat's account, in the app")
    join.add_argument("url", help="the class URL the instructor gave")
    join.add_argument("code", help="your seat's join code")
    join.add_argument("--name", help="your name, as the instructor sees it")
    join.add_argument("--print-env", action="store_true",
                      help="print the export AWS_... lines for the AWS CLI instead of the app")

    answer = sub.add_parser("answer", help="answer a step's question from the command line")
    answer.add_argument("scenario")
    answer.add_argument("question", help="question id, or STEP/QUESTION")
    answer.add_argument("value", help="your answer")
    _add_target(answer)
    return parser


def _add_class(class_sub: argparse._SubParsersAction) -> None:
    """`class serve|status|reset|solve|message|export` (watch and its actions: class_watch_cmd)."""
    serve = class_sub.add_parser("serve", help="serve a class of seats for a scenario")
    serve.add_argument("scenario")
    serve.add_argument("--seats", type=int, help="number of seats (a new class)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    serve.add_argument("--state", metavar="DIR",
                       help="the class's state folder (default LABGUIDE_HOME/class)")
    serve.add_argument("--roster", metavar="FILE", help="CSV with a header naming `name`")
    serve.add_argument("--public-url", metavar="URL",
                       help="the URL participants use, if not this host and port")
    serve.add_argument("--workers", type=int, default=None,
                       help="processes sharing the seats (default: the machine's cores)")

    def instructor(name: str, help_text: str) -> argparse.ArgumentParser:
        command = class_sub.add_parser(name, help=help_text)
        command.add_argument("url", help="the class URL")
        command.add_argument("--token-file", metavar="F", help="the instructor token file")
        return command

    status = instructor("status", "every seat's progress")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    reset = instructor("reset", "reset a seat's account (or to a step's start)")
    reset.add_argument("--seat", type=int, required=True, metavar="K")
    reset.add_argument("--step", metavar="ID")
    solve = instructor("solve", "apply a step's solution on a seat")
    solve.add_argument("--seat", type=int, required=True, metavar="K")
    solve.add_argument("--step", metavar="ID", required=True)
    message = instructor("message", "send a message to one seat or to all")
    message.add_argument("--seat", type=int, metavar="K")
    message.add_argument("text")
    export = instructor("export", "one row per seat and step")
    export.add_argument("--format", choices=("csv", "json"), default="csv")


def _target_kind(args: argparse.Namespace) -> argparse.Namespace:
    """Resolve --sim/--endpoint/--aws with AWS_ENDPOINT_URL meaning --endpoint."""
    if getattr(args, "endpoint", None):
        args.target = "endpoint"
    elif getattr(args, "target", None) is None and hasattr(args, "endpoint"):
        env_endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if env_endpoint:
            args.target, args.endpoint = "endpoint", env_endpoint
            args.endpoint_from_env = True  # said in the status line and every error
        else:
            args.target = "sim"
    return args


def dispatch(args: argparse.Namespace) -> int:
    command = args.command or "run"
    if command == "run":
        from labguide.cli.app_cmd import run_app

        if not hasattr(args, "scenario"):
            args = build_parser().parse_args(["run"])
        return run_app(_target_kind(args))
    if command in ("list", "validate", "schema"):
        from labguide.cli import scenario_cmd

        return getattr(scenario_cmd, f"cmd_{command}")(args)
    if command in ("check", "solve"):
        from labguide.cli import check_cmd

        return getattr(check_cmd, f"cmd_{command}")(_target_kind(args))
    if command == "test":
        from labguide.cli.test_cmd import cmd_test

        return cmd_test(args)
    if command == "new":
        from labguide.cli.new_cmd import cmd_new

        return cmd_new(args)
    if command == "class":
        from labguide.cli import class_watch_cmd

        if args.class_command in class_watch_cmd.COMMANDS:
            return class_watch_cmd.cmd_class(args)
    if command == "sim":
        from labguide.cli.sim_cmd import cmd_serve

        return cmd_serve(args)
    if command == "class":
        return _dispatch_class(args)
    if command == "rewind":
        from labguide.cli.rewind_cmd import cmd_rewind

        return cmd_rewind(args)
    if command in ("join", "answer"):
        from labguide.cli import join_cmd

        return getattr(join_cmd, f"cmd_{command}")(args)
    raise AssertionError(command)


def _dispatch_class(args: argparse.Namespace) -> int:
    from labguide.cli import class_cmd

    return getattr(class_cmd, f"cmd_{args.class_command}")(args)


# Commands whose worker threads may sit in a read from an endpoint that never answers:
# a normal exit would join them (up to the read timeouts times the retries), so Ctrl-C
# ends the process at once. Not the app or the server, which shut down on their own.
_EXIT_AT_ONCE = frozenset({"check", "solve", "test"})


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        return dispatch(args)
    except ScenarioError as exc:
        print("\n".join(visible(line, lines=False) for line in exc.lines), file=sys.stderr)
        return exc.exit_code
    except UserError as exc:
        print(f"labguide: {visible(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("labguide: interrupted", file=sys.stderr)
        if getattr(args, "command", None) in _EXIT_AT_ONCE:
            _exit_now(130)
        return 130
    except BrokenPipeError:
        return 0
