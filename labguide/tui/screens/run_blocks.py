"""Runnable blocks of the step's text (```sh run=shell, ```sh run=aws), for the lab screen:
Enter on a block sends a shell block to the shell pane (Run Command, as typed there) and
runs an AWS CLI block on the lab's account through the action guard (reads run, changes
are confirmed first, a read-only real account refuses with the reason), its output shown
in a dialog. Mixed into LabScreen, beside ActionHost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the fences' code (Markdown, markdown_it) loads with the step's text,
    # after the lab screen's first frame
    from labguide.tui.widgets.codefence import CodeFence

PLACEHOLDER_MARK = "‹"  # what a fact not found yet renders as (scenario.templates)


class BlockRun:
    """The requester of an AWS CLI block's action: shows what it printed."""

    def __init__(self, screen: Any) -> None:
        self.screen = screen

    def action_succeeded(self, action: Any, _result: Any) -> None:
        from labguide.tui.screens.cli_output import CliOutputScreen

        self.screen.app.push_screen(CliOutputScreen("AWS CLI on the lab's account",
                                                    action.transcript))

    def action_failed(self, action: Any, error: str) -> None:
        from labguide.tui.screens.cli_output import CliOutputScreen

        if not getattr(action, "transcript", None):
            return  # refused or not started: the screen's notice says why
        left = len(action.commands) - len(action.transcript)
        stopped = f"Stopped: {error}" + (f" ({left} more not run)" if left else "")
        self.screen.app.push_screen(CliOutputScreen("AWS CLI on the lab's account",
                                                    action.transcript, stopped=stopped,
                                                    failed=True))


class RunBlocks:
    """Handles CodeFence.RunRequested on a screen with `session`, `step_id` and panes."""

    session: Any
    step_id: str

    def on_code_fence_run_requested(self, message: CodeFence.RunRequested) -> None:
        message.stop()
        if PLACEHOLDER_MARK in message.code:
            self.notify("This block still holds a value the lab has not found yet (‹…›): "
                        "wait for the next check, then run it again.", severity="warning")
            return
        if message.run == "shell":
            self._run_in_shell(message.code)
        else:
            self._run_on_account(message.code)

    def _run_in_shell(self, code: str) -> None:
        from textual.widgets import TabbedContent

        from labguide.tui.panes.shell import ShellPane

        step = self.session.scenario.step(self.step_id)
        if "shell" not in step.panes:
            self.notify("This step has no shell pane to run the block in.",
                        severity="warning")
            return
        if not getattr(self, "panes_ready", False):
            self.notify("The live panes are still loading.")
            return
        self.query_one(TabbedContent).active = "tab-shell"
        if getattr(self, "short", False) and not self.panes_view:
            self.panes_view = True  # on a short screen the output is in the panes view
            self._layout_main()
            self.call_after_refresh(self.query_one(ShellPane).focus_default)
        self.query_one(ShellPane).run_command(code)

    def _run_on_account(self, code: str) -> None:
        from labguide.actions.cli_block import CliBlockAction
        from labguide.lab.guard import ActionRequest
        from labguide.scenario.aws_cli import CliLineError, parse_block
        from labguide.tui.messages import ActionRequested

        try:
            commands = parse_block(code)
        except CliLineError as exc:
            self.notify(f"line {exc.line}: {exc.message}", title="This block cannot run",
                        severity="error", timeout=10)
            return
        action = CliBlockAction(tuple(commands))
        confirm = "Run this AWS CLI command?" if action.changes_account else None
        self.post_message(ActionRequested(BlockRun(self), ActionRequest(action, confirm=confirm)))
