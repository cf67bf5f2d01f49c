"""`labguide` / `labguide run`: open the app on a scenario (or the picker) and a target."""

from __future__ import annotations

import argparse

from labguide.errors import UserError


def run_app(args: argparse.Namespace) -> int:
    """Build and run the app; configuration problems exit 2 before the screen opens."""
    from labguide.progress.logs import setup_file_logging
    from labguide.tui.app import build_app
    from labguide.tui.connection import Connection, TargetSpec

    setup_file_logging()
    kind = getattr(args, "target", None) or "sim"
    scenario = getattr(args, "scenario", None)
    connection = None
    loaded = None
    region = None
    if kind in ("endpoint", "aws"):
        # The account is reached before the app starts, in the scenario's region by default.
        if scenario is not None:
            from labguide.scenario import load_scenario

            loaded = load_scenario(scenario)
            region = loaded.scenario.region
        spec = TargetSpec(kind=kind, endpoint=getattr(args, "endpoint", None),
                          profile=getattr(args, "profile", None),
                          region=getattr(args, "region", None),
                          allow_changes=bool(getattr(args, "allow_changes", False)))
        connection = Connection(spec, region or "")  # "": the profile or environment chooses
        try:
            connection.connect_remote()
        except UserError:
            raise
        except Exception as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            raise UserError(f"cannot reach the account: {reason}") from None
    app = build_app(
        scenario=scenario, target=kind, endpoint=getattr(args, "endpoint", None),
        profile=getattr(args, "profile", None), region=getattr(args, "region", None),
        allow_changes=bool(getattr(args, "allow_changes", False)),
        reset=bool(getattr(args, "reset", False)), connection=connection, loaded=loaded,
    )
    app.run()
    if app.startup_error:  # the scenario given could not be loaded: exit 2 with its lines
        raise UserError(app.startup_error)
    return app.return_code or 0
