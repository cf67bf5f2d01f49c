"""Use the app's account from a shell: on the embedded simulator, a file to `source` that
points the AWS CLI at it; elsewhere the shell already has the learner's own configuration."""

from __future__ import annotations

import logging
import os
import shlex
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

log = logging.getLogger(__name__)

TITLE = "Use this account from a shell"


class ShellEnvScreen(ModalScreen[None]):
    """What to run in another terminal; `y` copies that line when there is one."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("y", "copy", "Copy")]

    def __init__(self, body: Text, copy_line: str | None = None) -> None:
        super().__init__(classes="modal", id="shell-env")
        self.body, self.copy_line = body, copy_line

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Label(TITLE, classes="dialog-title")
            yield Static(self.body, classes="dialog-body", id="shell-env-body")
            with Horizontal(classes="dialog-buttons"):
                if self.copy_line:
                    yield Button("Copy the line (y)", id="copy")
                yield Button("Close", variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        if not self.copy_line:
            self.notify("Nothing to copy here.", severity="warning")
            return
        self.app.copy_to_clipboard(self.copy_line)
        self.notify(f"Copied: {self.copy_line}", title="Clipboard")

    def action_close(self) -> None:
        self.dismiss(None)


def file_header(scenario_id: str, endpoint_url: str) -> str:
    """What the env file says about itself: where it points and when that stops working."""
    return (
        f"# labguide: the simulated account of {scenario_id}, served by the labguide app\n"
        f"# (process {os.getpid()}) at {endpoint_url}. It works while that app runs: each\n"
        "# launch listens on a new port and --reset builds a new account, so write this\n"
        "# file again then (\"Use this account from a shell\", Ctrl+E) and source it again.\n"
    )


def open_shell_env(app: Any) -> None:
    """The command behind Ctrl+E and the palette entry."""
    connection, session = app.connection, app.session
    if connection is None or session is None:
        app.notify("Open a scenario first.", severity="warning")
        return
    if not connection.is_simulator:
        app.push_screen(_remote_dialog(connection))
        return
    if connection.error is not None:
        app.notify(f"The simulated account did not start: {connection.error}",
                   title=TITLE, severity="error")
        return
    if not connection.ready or connection.embedded is None:
        app.notify("The simulated account is still starting; try again in a moment.",
                   title=TITLE, severity="warning")
        return
    from labguide.progress import sim_env_path, write_atomically
    from labguide.sim.shell_env import env_block

    world = connection.embedded.world
    endpoint = connection.target.endpoint_url
    path = sim_env_path(session.scenario.id)
    try:
        write_atomically(path, file_header(session.scenario.id, endpoint)
                         + env_block(world, endpoint))
    except OSError as exc:
        log.warning("cannot write %s: %s", path, exc)
        app.notify(f"Could not write {path}: {exc}", title=TITLE, severity="error")
        return
    source = f"source {shlex.quote(str(path))}"
    body = Text.assemble(
        "In another terminal, run\n\n",
        (f"  {source}\n\n", "bold"),
        "then the guide's `aws` commands work against this simulated account:\n",
        f"  account   {world.account_id} ({world.region})\n",
        f"  endpoint  {endpoint}\n",
        f"  key id    {world.learner.access_key_id}",
        ("  (its secret key is in the file, readable by you only)\n\n", "dim"),
        "The file points to this app's simulator and works while the app runs. It changes "
        "when the world does: each launch uses a new port and a reset (--reset) builds a "
        "new account, so run this command again then and source the file again.",
    )
    app.push_screen(ShellEnvScreen(body, source))


def _remote_dialog(connection: Any) -> ShellEnvScreen:
    spec = connection.spec
    where = connection.label()
    if spec.kind == "endpoint":
        line = f"export AWS_ENDPOINT_URL={spec.endpoint}"
        body = Text.assemble(
            f"This app works on {where} with your own AWS configuration (environment, "
            "profile). Your shell uses the same configuration: with\n\n",
            (f"  {line}\n\n", "bold"),
            "(or --endpoint-url on each command) the guide's `aws` commands act in this "
            "account. No file is written.",
        )
        return ShellEnvScreen(body, line)
    body = (f"This app works on {where} with your own AWS configuration (environment, "
            "profile). Your shell already uses it: the guide's `aws` commands work there as "
            "they are")
    if spec.profile:
        body += f" with --profile {spec.profile}"
    return ShellEnvScreen(Text(body + ". No file is written."), None)
