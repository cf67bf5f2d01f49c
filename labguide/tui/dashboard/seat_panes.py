"""The participant's live panes, shown read-only for one seat on the dashboard.

Each pane is the app's own pane class, given a `SeatAccount` in place of the lab session:
its target is `seat_reads.seat_target` (every call a read made by the class server on
the seat's account), its facts the server's last check round for that seat. The panes'
own keys (revoke, save filter…) are dropped here: the instructor acts on a seat only
through the dashboard's actions, each confirmed with its command line.

Two panes cannot be read that way and have their own read-only versions: the attacker
pane (the simulator's attacker log, which the class API hands the instructor per seat)
and the instance shell, which here shows the seat's Run Command history with each
command's output (ListCommands / ListCommandInvocations, reads) and runs nothing.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import RichLog

from labguide.textsafe import visible
from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes.attacker import AttackerPane
from labguide.tui.panes.base import Pane

CHECKS_COMMENT = "labguide"  # Run Command comments of labguide's own checks start so
MAX_COMMANDS = 50


class SeatAccount:
    """What a pane reads of its session, for one seat seen by the instructor."""

    def __init__(self, target: Any, scenario: Any, facts: dict[str, Any] | None = None, *,
                 class_client: Any = None, seat: int | None = None):
        self.target = target
        self.scenario = scenario
        self.facts: dict[str, Any] = dict(facts or {})
        self.class_client = class_client
        self.seat = seat
        self.attacker_calls: list[dict[str, Any]] | None = None  # None until first read
        self.connection = SimpleNamespace(
            is_simulator=False, error=None, ready=True,
            account_now=lambda t=None: (t or target).now(),
        )

    def read_world(self) -> None:
        """The seat's facts and attacker calls from the class server (the seat screen's
        worker, once per refresh)."""
        view = self.class_client.seat_view(self.seat)
        self.facts.update(view.get("facts") or {})
        self.attacker_calls = list(view.get("calls") or [])


class SeatAttackerPane(AttackerPane, inherit_bindings=False):
    """The seat's attacker pane: the same table, its calls from the class API."""

    def fetch(self, target: Any) -> Any:
        calls = self.session.attacker_calls
        if calls is None:
            raise LookupError("the attacker's calls are not read yet")
        return {"calls": calls}


class SeatShellPane(Pane):
    """The seat's instance shell, read-only: what was run there and what it printed."""

    name_ = "shell"
    title = f"{PANE_TITLES['shell']} (read-only)"

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.shown: tuple | None = None  # the history on screen (None: nothing yet)

    def compose_body(self) -> ComposeResult:
        yield RichLog(id="shell-log", wrap=True, markup=False, highlight=False)

    def fetch(self, target: Any) -> Any:
        instance_id = self.fact("instance_id")
        if not instance_id:
            return None
        ssm = target.client("ssm")
        commands = ssm.list_commands(InstanceId=instance_id).get("Commands", [])
        outputs = {inv.get("CommandId"): inv for inv in ssm.list_command_invocations(
            InstanceId=instance_id, Details=True).get("CommandInvocations", [])}
        history = []
        for command in sorted(commands, key=lambda c: str(c.get("RequestedDateTime")))[
                -MAX_COMMANDS:]:
            invocation = outputs.get(command.get("CommandId"), {})
            plugins = invocation.get("CommandPlugins") or [{}]
            history.append((
                str(command.get("RequestedDateTime") or ""),
                tuple((command.get("Parameters") or {}).get("commands") or ()),
                str(invocation.get("Status") or command.get("Status") or ""),
                str(plugins[0].get("Output") or ""),
                str(command.get("Comment") or "").startswith(CHECKS_COMMENT),
            ))
        return instance_id, tuple(history)

    def show(self, data: Any) -> None:
        if data is None:
            self.set_status("The instance is not known yet.")
            return
        instance_id, history = data
        self.border_title = f"sh-4.2$ on {instance_id}: its Run Command history (read-only)"
        if history == self.shown:
            return
        from labguide.actions import redact_secrets

        self.shown = history
        log = self.query_one(RichLog)
        log.clear()
        if not history:
            log.write(Text("No command has been run on the instance yet.", style="dim"))
        for at, lines, status, output, by_checks in history:
            head = Text(f"{at[11:19]} ", style="dim")
            head.append(f"sh-4.2$ {visible(redact_secrets('; '.join(lines)))}", style="bold")
            head.append(f"  [{status}]" if status and status != "Success" else "",
                        style="bold red")
            if by_checks:
                head.append("  (labguide's check)", style="dim")
            log.write(head)
            if output:
                log.write(Text(visible(redact_secrets(output))))


READ_ONLY = {"attacker": SeatAttackerPane, "shell": SeatShellPane}


def pane_names(scenario: Any) -> list[str]:
    """The scenario's panes in the order its steps show them."""
    names: list[str] = []
    for step in scenario.steps:
        for name in step.panes:
            if name not in names:
                names.append(name)
    return names


def read_only(name: str, scenario: Any = None) -> type:
    """The pane class for `name` without its own key bindings (its table's keys stay)."""
    if name in READ_ONLY:
        return READ_ONLY[name]
    from labguide.tui.panes import pane_class

    declared = getattr(scenario, "panes", None) or {}
    if name in declared:
        return _without_keys(pane_class(name, scenario))
    return _read_only_builtin(name)


@cache
def _read_only_builtin(name: str) -> type:
    from labguide.tui.panes import PANES

    return _without_keys(PANES[name])


def _without_keys(base: type) -> type:
    return type(f"ReadOnly{base.__name__}", (base,), {"BINDINGS": []}, inherit_bindings=False)
