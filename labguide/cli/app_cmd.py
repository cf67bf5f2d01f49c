"""`labguide` / `labguide run`: open the app on a scenario (or the picker) and a target."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading

from labguide.errors import UserError

log = logging.getLogger(__name__)

EXIT_GRACE_SECONDS = 2.0


def run_app(args: argparse.Namespace) -> int:
    """Build and run the app; configuration problems exit 2 before the screen opens."""
    from labguide.sim.heap import end_start_hold, hold_for_start

    hold_for_start()  # until the first frame (the app ends the hold)
    try:
        return _run_app(args)
    finally:
        end_start_hold()


def _run_app(args: argparse.Namespace) -> int:
    from labguide.lab.connection import Connection, TargetSpec
    from labguide.lab.options import AppOptions
    from labguide.progress.logs import setup_file_logging
    from labguide.tui.app import build_app

    setup_file_logging()
    kind = getattr(args, "target", None) or "sim"
    scenario = getattr(args, "scenario", None)
    _check_target_options(kind, args)
    watch = bool(getattr(args, "watch", False))
    if watch:
        from pathlib import Path

        if scenario is None or not Path(scenario).is_file():
            raise UserError("--watch needs the path of a scenario file to watch")
    connection = None
    loaded = None
    region = None
    spec = TargetSpec(kind=kind, endpoint=getattr(args, "endpoint", None),
                      profile=getattr(args, "profile", None),
                      region=getattr(args, "region", None),
                      allow_changes=bool(getattr(args, "allow_changes", False)),
                      endpoint_from_env=bool(getattr(args, "endpoint_from_env", False)))
    if kind in ("endpoint", "aws"):
        # The account is reached before the app starts, in the scenario's region by default.
        if scenario is not None:
            from labguide.scenario import load_scenario

            loaded = load_scenario(scenario)
            region = loaded.scenario.region
        connection = Connection(spec, region or "")  # "": the profile or environment chooses
        note = spec.env_note()
        try:
            connection.connect_remote()
        except UserError as exc:
            if note:
                raise UserError(f"{exc} ({note})") from None
            raise
        except Exception as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            raise UserError(f"cannot reach the account: {reason}"
                            + (f" ({note})" if note else "")) from None
    if getattr(args, "reset", False):
        _confirm_reset(args, scenario, loaded, connection)
    options = AppOptions(scenario=scenario, target=spec,
                         observers=tuple(getattr(args, "observers", ())),  # `join`: class reports
                         reset=bool(getattr(args, "reset", False)), watch=watch)
    app = build_app(options, connection=connection, loaded=loaded)
    app.run()
    _exit_within(EXIT_GRACE_SECONDS, app.return_code or (2 if app.startup_error else 0))
    if app.startup_error:  # the scenario given could not be loaded: exit 2 with its lines
        raise UserError(app.startup_error)
    return app.return_code or 0


def _confirm_reset(args: argparse.Namespace, scenario: str | None, loaded, connection) -> None:
    """--reset forgets saved progress: asked first on a terminal, else --yes is needed;
    nothing saved means nothing to ask. UserError (exit 2, nothing changed) if not confirmed."""
    from labguide.cli.confirm import confirm_or_refuse
    from labguide.lab.connection import SIM_ACCOUNT_KEY
    from labguide.progress import ProgressStore, progress_db_path
    from labguide.scenario import load_scenario

    if getattr(args, "yes", False):
        return
    if scenario is None:
        raise UserError("--reset needs the scenario to start over: labguide run ID --reset "
                        "(add --yes to skip the question)")
    loaded = loaded or load_scenario(scenario)
    account = connection.progress_account() if connection is not None else SIM_ACCOUNT_KEY
    store = ProgressStore(progress_db_path())
    try:
        saved = store.sessions(account).get(loaded.scenario.id)
    finally:
        store.close()
    if saved is None or not (saved.steps_done or saved.answers or saved.hints_shown or
                             saved.checks_passed):
        return
    total = len(loaded.scenario.steps)
    where = "the simulator" if connection is None else account
    what = (f"your progress in {loaded.scenario.id} on {where}: {len(saved.steps_done)}/{total} "
            f"steps done, {len(saved.answers)} answer(s)"
            + ("; the simulated account starts over too" if connection is None else ""))
    confirm_or_refuse(f"--reset would forget {what}", "Start over?", yes=False)


def _check_target_options(kind: str, args: argparse.Namespace) -> None:
    """A region or endpoint the target can never use: one line, exit 2, before the screen."""
    region = getattr(args, "region", None)
    endpoint = getattr(args, "endpoint", None)
    if kind == "sim" and region:
        from labguide.target import check_simulated_region

        check_simulated_region(region)
        return
    if kind == "endpoint" and endpoint:
        from labguide.target import check_endpoint_url

        check_endpoint_url(endpoint)
    if region:
        from labguide.target import check_region

        check_region(region)


def _exit_within(seconds: float, code: int) -> None:
    """Once the app has quit, the process ends within `seconds` even if a thread is still
    blocked (a read from a silent endpoint): a daemon watchdog logs what was left and
    ends the process. A normal exit never waits for it."""

    def watchdog() -> None:
        threading.Event().wait(seconds)
        alive = [t.name for t in threading.enumerate()
                 if t is not threading.main_thread() and not t.daemon and t.is_alive()]
        log.warning("still running %.0f s after quitting (%s): exiting", seconds,
                    ", ".join(alive) or "interpreter shutdown")
        logging.shutdown()
        sys.stdout.flush()
        os._exit(code)

    threading.Thread(target=watchdog, name="labguide-exit-watchdog", daemon=True).start()
