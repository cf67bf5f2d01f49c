"""Command palette entries: go to any step, run the current step's pane actions."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

PANE_ACTIONS = [
    ("findings", "save_filter", "Findings: save the current filter as a GuardDuty filter"),
    ("findings", "copy_key", "Findings: copy the selected finding's access key id"),
    ("alerts", "copy_key", "Alerts: copy the e-mail's access key id"),
    ("role", "revoke", "Role: revoke the role's active sessions"),
    ("role", "copy_arn", "Role: copy the role ARN"),
    ("instance", "stop", "Instance: stop"),
    ("instance", "start", "Instance: start"),
    ("instance", "copy_id", "Instance: copy the instance id"),
]


class LabCommands(Provider):
    def _commands(self) -> list[tuple[str, object, str]]:
        from labguide.tui.screens.lab import LabScreen

        screen = self.screen
        if not isinstance(screen, LabScreen):
            return []
        out: list[tuple[str, object, str]] = []
        for n, step in enumerate(screen.session.scenario.steps, 1):
            state = screen.session.state(step.id)
            out.append((f"Go to step {n}: {step.title}", partial(screen.go_to, step.id),
                        f"{state}"))
        step_panes = screen.session.scenario.step(screen.step_id).panes
        for pane_name, action, title in PANE_ACTIONS:  # only the step's own panes' actions
            if pane_name in step_panes:
                out.append((title, partial(screen.run_pane_command, pane_name, action),
                            "pane action"))
        declared = screen.session.scenario.panes
        for pane_name in step_panes:  # a declared table pane's row actions
            if pane_name in declared:
                for index, row_action in enumerate(declared[pane_name].actions):
                    out.append((f"{declared[pane_name].title}: {row_action.title}",
                                partial(screen.run_pane_command, pane_name,
                                        f"row_action({index})"), "pane action"))
        out.extend(rewind_commands(screen))
        out.append(("Check now", screen.action_check_now, "run the step's checks"))
        out.append(("Use this account from a shell", self.app.action_shell_env,
                    "the AWS CLI in another terminal reaches this account"))
        return out

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


def rewind_commands(screen: object) -> list[tuple[str, object, str]]:
    """Restart this step / go back to each step opened here; where rewinding cannot work,
    one entry that says why."""
    from labguide.lab.rewind import choices, unavailable
    from labguide.tui.screens.rewind import ask_rewind

    session = screen.session  # type: ignore[attr-defined]
    reason = unavailable(session.connection)
    if reason is not None:
        return [("Rewind the account (not available)", partial(ask_rewind, screen),
                 f"not available {reason}")]
    out: list[tuple[str, object, str]] = []
    for step_id in choices(session):
        number = session.scenario.step_ids.index(step_id) + 1
        title = session.scenario.step(step_id).title
        label = (f"Rewind: restart this step ({number}. {title})"
                 if step_id == screen.step_id  # type: ignore[attr-defined]
                 else f"Rewind: go back to the start of step {number}: {title}")
        out.append((label, partial(ask_rewind, screen, step_id),
                    "the account as it was when the step was first opened; answers kept"))
    return out
