"""A Session-Manager-like shell on the instance: each command runs through SSM RunCommand."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, RichLog

from labguide.textsafe import visible
from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes.base import Pane


class ShellPane(Pane):
    name_ = "shell"
    title = PANE_TITLES["shell"]
    shows_output = True  # what it runs is answered in the pane: no "done" toast over it
    BINDINGS = [
        Binding("ctrl+l", "clear", "Clear"),
        Binding("y", "copy_output", "Copy last output", show=False),
    ]

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.last_output = ""
        self.history: list[str] = []

    def compose_body(self) -> ComposeResult:
        yield RichLog(id="shell-log", wrap=True, markup=False, highlight=False)
        yield Input(placeholder="command, e.g. curl http://169.254.169.254/latest/meta-data/"
                                "iam/security-credentials/", id="shell-input")

    def focus_default(self) -> None:
        self.query_one("#shell-input", Input).focus()

    def fetch(self, target: Any) -> Any:
        return self.fact("instance_id")

    def show(self, instance_id: Any) -> None:
        prompt = self.query_one("#shell-input", Input)
        prompt.disabled = False
        if instance_id:
            self.border_title = f"sh-4.2$ on {instance_id} (via SSM RunCommand)"
        else:
            self.set_status("The instance is not known yet.")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "shell-input":
            return
        event.stop()
        if self.run_command(event.value):
            event.input.value = ""

    def run_command(self, command: str) -> bool:
        """Run `command` (a line typed here, or a runnable block of the text: its lines
        run as one script, as Run Command runs them) on the instance; False if it did not
        go out."""
        command = command.strip()
        if not command:
            return False
        instance_id = self.fact("instance_id")
        log = self.query_one(RichLog)
        if not instance_id:
            log.write(Text("The instance is not known yet.", style="bold"))
            return False
        self.history.append(command)
        from labguide.actions import redact_secrets

        for line in command.splitlines():
            log.write(Text(f"sh-4.2$ {visible(redact_secrets(line))}", style="bold"))
        from labguide.tui.pane_actions import shell_command_action

        self.run_action(shell_command_action(instance_id, command), on_done=self._output)
        return True

    def _output(self, result: Any) -> None:
        from labguide.actions import redact_secrets
        from labguide.tui.pane_actions import shell_output

        # The action redacts already; the pane never relies on it (secrets never shown whole).
        output, error = (redact_secrets(text) for text in shell_output(result))
        self.last_output = output
        log = self.query_one(RichLog)
        if output:
            log.write(Text(visible(output)))  # the instance's output: no escapes
        if error:
            log.write(Text(visible(error), style="bold"))

    def action_clear(self) -> None:
        self.query_one(RichLog).clear()

    def action_copy_output(self) -> None:
        self.copy_value(self.last_output.strip(), "output")
