"""On the embedded simulator, Ctrl+E and the palette write a file that, sourced in a shell,
points the real AWS CLI at the app's simulated account; elsewhere nothing is written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import datetime

from textual.command import CommandList, CommandPalette
from textual.widgets import Static

from labguide.lab.connection import Connection, TargetSpec
from labguide.progress import sim_env_path
from labguide.scenario import load_scenario
from labguide.target import Target
from labguide.tui.screens.shell_env import ShellEnvScreen
from tests.sim.awscli import AWS_CLI
from tests.tui.helpers import SCENARIO, lab_ready, make_app, wait_until


def exports(path) -> dict[str, str]:
    return dict(line.removeprefix("export ").split("=", 1)
                for line in path.read_text().splitlines() if line.startswith("export "))


def sourced_aws(path, *args: str) -> dict:
    """`source PATH` in a clean bash, then the real `aws ARGS --output json`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
    done = subprocess.run(
        ["bash", "-c", 'source "$1" && shift && exec "$@" --output json', "_", str(path),
         AWS_CLI, *args],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_the_shell_file_reaches_the_embedded_account(tmp_path):
    app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", poll_interval=0.5,
                    check_interval=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        connection = app.session.connection
        await wait_until(pilot, lambda: connection.ready, "the simulator")
        world = connection.embedded.world
        path = sim_env_path(SCENARIO)
        assert not path.exists()

        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, ShellEnvScreen), "the dialog")
        body = str(app.screen.query_one("#shell-env-body", Static).render())
        assert f"source {path}" in body
        assert world.learner.access_key_id in body
        assert world.learner.secret_access_key not in body  # never on screen
        assert "reset" in body and "new port" in body
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        values = exports(path)
        assert values == {"AWS_ENDPOINT_URL": connection.embedded.endpoint_url,
                          "AWS_ACCESS_KEY_ID": world.learner.access_key_id,
                          "AWS_SECRET_ACCESS_KEY": world.learner.secret_access_key,
                          "AWS_DEFAULT_REGION": world.region}
        await pilot.press("y")
        assert app.clipboard == f"source {path}"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ShellEnvScreen), "closed")

        # The same from the command palette (the file written again, as it was).
        path.unlink()
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"Use this account from a shell")
        commands = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count and commands.highlighted == 0
                         and "from a shell" in str(commands.get_option_at_index(0).prompt),
                         "the palette's entry")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ShellEnvScreen),
                         "the dialog from the palette")
        assert exports(path) == values

        # The real AWS CLI, in a shell that sourced the file, sees the app's account.
        await wait_until(pilot, lambda: app.session.facts.get("detector_id"),
                         "the session's detector id")
        detectors = sourced_aws(path, "guardduty", "list-detectors")
        assert detectors["DetectorIds"] == [app.session.facts["detector_id"]]
        assert detectors["DetectorIds"] == [world.truth.detector_id]


async def test_on_an_endpoint_nothing_is_written(tmp_path):
    region = load_scenario(SCENARIO).scenario.region
    connection = Connection(TargetSpec(kind="endpoint", endpoint="http://127.0.0.1:9"), region)
    connection.target = Target.for_simulator("http://127.0.0.1:9", _Keys(), region)
    connection.account_id = "123456789012"
    connection._set_ready()
    app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", connection=connection,
                    clock=lambda: datetime(2026, 3, 1), poll_interval=600, check_interval=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, ShellEnvScreen), "the dialog")
        body = str(app.screen.query_one("#shell-env-body", Static).render())
        assert "your own AWS configuration" in body and "No file is written" in body
        assert not sim_env_path(SCENARIO).exists()
        await pilot.press("y")
        assert app.clipboard == "export AWS_ENDPOINT_URL=http://127.0.0.1:9"


class _Keys:
    access_key_id = "AKIAEXAMPLEEXAMPLE00"
    secret_access_key = "secret"
