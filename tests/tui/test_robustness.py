"""What goes wrong is shown where it happened, and the app keeps working: a bad
scenario file, an unexpected error (dialog + masked log), a read-only real account."""

from __future__ import annotations

import asyncio

from textual.widgets import Input

from labguide.lab.connection import Connection, TargetSpec
from labguide.progress import log_path
from labguide.tui.panes.role import RolePane
from labguide.tui.screens.modals import ConfirmModal, ErrorModal
from labguide.tui.screens.picker import PickerScreen
from tests.tui.helpers import (
    EPOCH,
    SCENARIO,
    SEED,
    frozen_clock,
    frozen_lab_app,
    lab_ready,
    make_app,
    wait_until,
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


async def test_a_bad_scenario_file_is_shown_in_the_picker(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Not A Slug\ntitle: x\n")
    app = make_app(store_path=tmp_path / "p.db", clock=frozen_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("o")
        await pilot.press(*str(bad), "enter")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        error = str(app.screen.query_one("#picker-error").render())
        assert "bad.yaml" in error
        assert app.screen.query_one("#scenario-path", Input).has_class("error")
        await pilot.press("escape")
        app.screen.query_one("#scenarios").focus()
        await pilot.press("enter")  # the bundled one still opens
        await wait_until(pilot, lambda: app.screen.id == "lab", "the lab screen")
        assert app.unexpected_errors == []


async def test_an_unexpected_error_opens_a_dialog_and_is_logged_masked(tmp_path):
    from labguide.progress.logs import setup_file_logging

    setup_file_logging()
    app = make_app(store_path=tmp_path / "p.db", clock=frozen_clock)
    async with app.run_test(size=(100, 32)):
        def boom() -> None:
            raise RuntimeError(f"broken with SecretAccessKey={SECRET}")

        app.screen.query_one("#picker-summary").call_later(boom)  # one widget fails
        # (Pilot's pauses and presses would wait for the failed widget forever.)
        for _ in range(200):
            if isinstance(app.screen, ErrorModal):
                break
            await asyncio.sleep(0.01)
        assert isinstance(app.screen, ErrorModal)
        await app.screen.dismiss(None)
        assert isinstance(app.screen, PickerScreen)  # the rest keeps working
        assert app.unexpected_errors and "RuntimeError" in app.unexpected_errors[0]
    content = log_path().read_text()
    assert "RuntimeError" in content and SECRET not in content


async def test_a_real_account_is_read_only_without_allow_changes(tmp_path, frozen_sim):
    """--aws without --allow-changes: the revoke action is refused, nothing is sent."""
    connection = Connection(TargetSpec(kind="aws"), frozen_sim.region)
    connection.target = frozen_sim.target
    connection.account_id = frozen_sim.account_id
    connection._set_ready()
    sent: list[str] = []
    connection.target.on_event("before-call.iam.PutRolePolicy", lambda **kw: sent.append("put"))
    app = make_app(scenario=SCENARIO, target="aws", store_path=tmp_path / "p.db", seed=SEED,
                    epoch=EPOCH, clock=frozen_clock, poll_interval=600, check_interval=600,
                    connection=connection)
    async with app.run_test(size=(120, 40)) as pilot:
        await lab_ready(pilot)
        app.screen.open_step("revoke-sessions")
        role = app.screen.query_one(RolePane)
        await wait_until(pilot, lambda: app.session.facts.get("role_name") and role.loaded
                         and role.last_data, "the role")
        await pilot.press("t", "r")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert role.has_class("error")
        assert any("--allow-changes" in str(n.message) for n in app._notifications)
        assert sent == []


async def test_notifications_are_plain_text_never_markup(tmp_path, frozen_sim):
    """A pane action's CLI line holds JSON with square brackets; read as markup, it raised
    a MarkupError while the toast was drawn and the app froze (seen with the shell pane's
    curl command)."""
    app = frozen_lab_app(tmp_path, frozen_sim)
    cli = ("""$ aws ssm send-command --parameters 'commands=["TOKEN=$(curl -s -X PUT """
           """\\"http://169.254.169.254/latest/api/token\\")"]'""")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await lab_ready(pilot)
        app.notify(cli, title="Done: run [a command] on the instance")
        app.screen.notify('[TOKEN=$(curl "x")]')
        await wait_until(pilot, lambda: len(app.screen.query("Toast")) == 2, "the toasts")
        await pilot.pause()
        assert app.unexpected_errors == []
        await pilot.press("question_mark")  # still answering keys
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "the help")
