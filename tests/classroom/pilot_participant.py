"""One class participant as a process: `labguide join URL CODE --name NAME`, the very command,
with the app it opens driven by Textual's Pilot instead of a terminal.

    python tests/classroom/pilot_participant.py URL CODE NAME ROLE RESULT_JSON

`App.run` is the only thing replaced: it runs the app under `run_test` and a script. The
participant reads the alert in its own world's alerts pane, then (ROLE `right`) answers the
step's two questions and reveals a hint, or (ROLE `wrong`) answers the key question with a
key that is not its world's and raises a hand with a line of text. It prints `reported`
once the class server has everything, waits for two messages from the instructor (its own
and a broadcast), opens the messages view, and writes what its app showed to RESULT_JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

WRONG_KEY = "ASIAXXXXXXXXXXXXXXXX"  # a key that is no seat's
MESSAGES_WANTED = 2


async def drive(app, role: str, result_path: Path) -> None:
    from textual.widgets import Input

    from labguide.tui.class_seat import MessagesScreen, reporter_of
    from labguide.tui.panes.alerts import AlertsPane
    from labguide.tui.screens.modals import PromptModal
    from tests.tui.helpers import iam_alert_email, lab_ready, wait_until

    async def answer(question_id: str, text: str) -> None:
        field = app.screen.query_one(f"#question-{app.screen.step_id}-{question_id} Input",
                                     Input)
        field.focus()
        field.value = text
        await pilot.press("enter")
        await pilot.pause()

    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await lab_ready(pilot)
        screen = app.screen
        reporter = reporter_of(app)
        assert reporter is not None, "join gave the app no class reporter"
        await wait_until(pilot, lambda: app.session.connection.ready, "the seat's account", 60)
        mail = await iam_alert_email(pilot, app)
        alerts = screen.query_one(AlertsPane)
        if role == "right":
            await answer("finding-type", mail["Amazon GuardDuty Finding"])
            await answer("access-key", mail["Access Key ID"])
            await pilot.press("escape", "h")  # the first hint of the question in view
            await wait_until(pilot, lambda: app.session.state("alert") == "done",
                             "step alert done", 60)
        else:
            await answer("access-key", WRONG_KEY)
            await pilot.press("escape", "exclamation_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "hand prompt")
            await pilot.press(*"which key is it?", "enter")
            await wait_until(pilot, lambda: screen.hand.up, "the hand up")
        await wait_until(pilot, lambda: reporter.flush(timeout=0.1), "reports sent", 60)
        print("reported", flush=True)
        await wait_until(pilot, lambda: len(screen.received) >= MESSAGES_WANTED,
                         "the instructor's messages", 180)
        await pilot.pause(1.0)  # a third message (another seat's) would have come by now
        notices = [{"title": n.title, "message": n.message} for n in app._notifications]
        await pilot.press("escape", "m")
        await wait_until(pilot, lambda: isinstance(app.screen, MessagesScreen), "messages view")
        view = str(app.screen.query_one("#messages-body").render())
        await pilot.press("escape")
        result = {
            "account_id": app.session.connection.account_id,
            "endpoint": app.session.connection.spec.endpoint,
            "alert_key": mail["Access Key ID"],
            "alert_finding_ids": sorted(f["Id"] for f in alerts.last_data),
            "steps": {s.id: app.session.state(s.id) for s in app.session.scenario.steps},
            "received": screen.received,
            "notices": notices,
            "messages_view": view,
            "hand_up": screen.hand.up,
            "reports_sent": reporter.sent,
        }
        result_path.write_text(json.dumps(result, indent=2))


def main(argv: list[str]) -> int:
    url, code, name, role, result = argv
    from labguide.cli import main as labguide
    from labguide.tui.app import LabGuideApp

    def run_under_pilot(self, *args, **kwargs) -> None:
        asyncio.run(drive(self, role, Path(result)))

    LabGuideApp.run = run_under_pilot  # the rest is `labguide join` as a participant runs it
    return labguide(["join", url, code, "--name", name])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
