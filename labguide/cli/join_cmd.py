"""`labguide join` and `labguide answer`: the participant's side of a class.

`join URL CODE` fetches the seat's credentials (the join code is the only key), stores
them 0600 under LABGUIDE_HOME and opens the app on the seat (or, with --print-env,
prints the `export AWS_...` block for the AWS CLI). `answer SCENARIO QUESTION VALUE`
judges an answer from the command line against the account and, when this laptop has
joined a class of that scenario, on the class server too, where it counts.
"""

from __future__ import annotations

import argparse
import os
import sys

from labguide.errors import UserError


def cmd_join(args: argparse.Namespace) -> int:
    from labguide.classroom.client import ClassClient
    from labguide.classroom.seat_file import save_seat, seat_from_join

    client = ClassClient(args.url, code=args.code)
    seat = seat_from_join(client.url, args.code, client.join(args.code, args.name))
    path = save_seat(seat)
    if args.print_env:
        sys.stdout.write(seat.env_block())
        return 0
    print(f"joined seat {seat.seat} ({seat.name}) of {seat.scenario}: account "
          f"{seat.account_id}; credentials in {path}", file=sys.stderr)
    os.environ.update(AWS_ENDPOINT_URL=seat.endpoint_url, AWS_ACCESS_KEY_ID=seat.access_key_id,
                      AWS_SECRET_ACCESS_KEY=seat.secret_access_key,
                      AWS_DEFAULT_REGION=seat.region)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    from labguide.cli import build_parser
    from labguide.cli.app_cmd import run_app

    run_args = build_parser().parse_args(["run", seat.scenario, "--endpoint", seat.endpoint_url,
                                          "--region", seat.region])
    run_args.target = "endpoint"
    from labguide.classroom.reporter import ClassReporter

    reporter = ClassReporter(ClassClient(seat.url, code=seat.code))
    run_args.observers = (reporter,)  # the app's LabEvent observers (AppOptions.observers)
    try:
        return run_app(run_args)
    finally:
        reporter.close()


def _split(question: str) -> tuple[str | None, str]:
    step, _, name = question.rpartition("/")
    return (step or None), name


def cmd_answer(args: argparse.Namespace) -> int:
    from labguide.checks.context import Memo, RoundContext
    from labguide.checks.facts import discover
    from labguide.checks.kinds._common import Unmet
    from labguide.checks.kinds.answer import judge
    from labguide.classroom.seat_file import load_seat
    from labguide.cli.check_cmd import open_target
    from labguide.scenario import load_scenario

    loaded = load_scenario(args.scenario)
    scenario = loaded.scenario
    step_id, name = _split(args.question)
    found = [(s.id, q) for s in scenario.steps for q in s.questions
             if q.id == name and (step_id is None or s.id == step_id)]
    if not found:
        known = ", ".join(f"{s.id}/{q.id}" for s in scenario.steps for q in s.questions
                          if q.expect is not None)
        raise UserError(f"no question {args.question!r} in {scenario.id}; questions with "
                        f"an answer to check: {known}")
    step_id, question = found[0]
    seat = load_seat()
    joined = seat is not None and seat.scenario == scenario.id
    if joined and args.target is None and not args.endpoint:
        os.environ.update(AWS_ACCESS_KEY_ID=seat.access_key_id,
                          AWS_SECRET_ACCESS_KEY=seat.secret_access_key)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        args.target, args.endpoint = "endpoint", seat.endpoint_url
        args.region = args.region or seat.region
    else:
        from labguide.cli import _target_kind

        _target_kind(args)
    with open_target(args, loaded) as target:
        ctx = RoundContext(target=target, memo=Memo())
        discover(target, scenario.facts, ctx=ctx)
        try:
            verdict = judge(question, args.value, ctx)
        except Unmet as unmet:
            verdict = unmet.verdict
    print(f"{step_id}/{question.id}: {verdict.status}: {verdict.summary}")
    if joined:
        from labguide.classroom.client import ClassClient

        server = ClassClient(seat.url, code=seat.code).answer(question.id, args.value, step_id)
        verdict_word = "right" if server.get("correct") else "not right"
        print(f"class server (seat {seat.seat}): {verdict_word}: {server.get('feedback', '')}")
        return 0 if server.get("correct") else 1
    return 0 if verdict.status == "passed" else 1
