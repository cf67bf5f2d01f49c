"""An endpoint that goes away mid-lab: the pane says so in place, the rest keeps
working, and the pane recovers by itself when the endpoint comes back."""

from __future__ import annotations

import socket

from labguide.lab.connection import Connection, TargetSpec
from labguide.scenario import load_scenario
from labguide.sim.server import SimServer
from labguide.tui.panes.alerts import AlertsPane
from tests.tui.helpers import EPOCH, SCENARIO, SEED, frozen_clock, lab_ready, make_app, wait_until


async def test_endpoint_stopped_and_restarted_mid_lab(tmp_path, monkeypatch):
    scenario = load_scenario(SCENARIO).scenario
    server = SimServer().start()
    second = None
    try:
        world = server.add_world(scenario.world.name, dict(scenario.world.params),
                                 region=scenario.region, seed=SEED, epoch=EPOCH)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", world.learner.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", world.learner.secret_access_key)
        spec = TargetSpec(kind="endpoint", endpoint=server.endpoint_url)
        connection = Connection(spec, scenario.region)
        connection.connect_remote()
        app = make_app(scenario=SCENARIO, target="endpoint", endpoint=server.endpoint_url,
                        store_path=tmp_path / "p.db", clock=frozen_clock, poll_interval=0.2,
                        check_interval=0.2, connection=connection)
        async with app.run_test(size=(100, 32)) as pilot:
            await lab_ready(pilot)
            await pilot.press("t")  # 100x32 shows text or panes: only shown panes poll
            alerts = app.screen.query_one(AlertsPane)
            await wait_until(pilot, lambda: alerts.loaded and alerts.last_data, "alerts")
            port = server.port
            server.stop()
            # Hold the freed port (bound, not listening: connections are refused), or a
            # server of a test in another pytest worker may get it from the OS meanwhile
            # and answer for an account it does not have (seen once in CI).
            placeholder = socket.socket()
            placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT
            placeholder.bind(("127.0.0.1", port))
            # A poll in flight when the server stopped may end otherwise (a cut answer);
            # the next ones find the port closed, and the pane must say so in place.
            await wait_until(pilot, lambda: alerts.has_class("error") and "cannot reach" in
                             str(alerts.query_one(".pane-status").render()),
                             "the pane's 'cannot reach' error")
            await pilot.press("n")  # the rest keeps working
            await wait_until(pilot, lambda: app.screen.step_id == "filter-key", "step 2")
            await pilot.press("p", "t")
            placeholder.close()
            second = SimServer(port=port).start()
            await wait_until(pilot, lambda: not alerts.has_class("error") and alerts.failures == 0,
                             "the pane's recovery", timeout=40)
            assert "cannot reach" not in str(alerts.query_one(".pane-status").render())
            assert app.unexpected_errors == []
    finally:
        server.stop()
        if second is not None:
            second.stop()
