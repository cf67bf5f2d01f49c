"""`labguide run PATH --watch`: an edit reloads the scenario on the same account and step;
a broken edit is shown in place and the last good version stays."""

from __future__ import annotations

import shutil

from labguide.cli import build_parser
from tests.tui.helpers import lab_ready, wait_until


def test_watch_is_a_run_option():
    args = build_parser().parse_args(["run", "x.yaml", "--watch"])
    assert args.watch is True


async def test_edits_reload_and_errors_show_in_place(yaml_scenario, tmp_path):
    from tests.tui.helpers import make_app

    folder = tmp_path / "lab"
    shutil.copytree(yaml_scenario.parent, folder)
    path = folder / yaml_scenario.name
    app = make_app(scenario=str(path), store_path=tmp_path / "p.db", seed=1,
                   poll_interval=5, check_interval=5, realtime=False, watch=True)
    async with app.run_test(size=(140, 44)) as pilot:
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.watcher and app.watcher.scenario_id, "the watcher")
        app.screen.go_to("quarantine")
        await wait_until(pilot, lambda: app.screen.step_id == "quarantine", "step 2")
        account = app.connection.account_id
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("title: Quarantine the instance",
                                     "title: Tag the instance for quarantine"), encoding="utf-8")
        await wait_until(pilot, lambda: app.watcher.reloads == 1, "the reload", timeout=60)
        await lab_ready(pilot)
        assert app.session.scenario.step("quarantine").title == "Tag the instance for quarantine"
        assert app.screen.step_id == "quarantine" and app.connection.account_id == account
        path.write_text(text.replace("kind: aws\n        title: The instance",
                                     "kind: awz\n        title: The instance"), encoding="utf-8")
        await wait_until(pilot, lambda: app.watcher.last_error, "the problem", timeout=60)
        assert "unknown check kind 'awz'" in app.watcher.last_error
        assert app.is_running and app.screen.id == "lab"
        assert app.session.scenario.step("quarantine").title == "Tag the instance for quarantine"
        (folder / "content" / "web-lab" / "02-quarantine.md").write_text("## Now edited\n")
        path.write_text(text, encoding="utf-8")
        await wait_until(pilot, lambda: app.watcher.reloads == 2, "the second reload",
                         timeout=60)
        assert app.watcher.last_error is None
        assert app.session.scenario.step("quarantine").title == "Quarantine the instance"
