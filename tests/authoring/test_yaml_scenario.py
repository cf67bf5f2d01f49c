"""A scenario written only in YAML in a temporary folder (its own world, aws facts and
checks, an instance-command check, a declared table pane): it validates, `labguide test`
proves it, a deliberately broken copy fails, and the app runs it under Pilot."""

from __future__ import annotations

import json

from labguide.cli import main


def test_it_validates(yaml_scenario, capsys):
    assert main(["validate", str(yaml_scenario)]) == 0
    assert capsys.readouterr().out.strip().endswith("web-lab.yaml: ok")


def test_labguide_test_proves_it(yaml_scenario, capsys):
    assert main(["test", str(yaml_scenario), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "passed"
    steps = {step["id"]: step for step in report["steps"]}
    assert list(steps) == ["find-bucket", "quarantine", "restrict"]
    phases = [r["phase"] for r in steps["quarantine"]["results"]]
    assert phases == ["before", "counterexample", "after"]
    assert all(r["ok"] for step in steps.values() for r in step["results"])


def test_labguide_test_fails_a_broken_scenario(yaml_scenario, tmp_path, capsys):
    """A check that passes on an untouched account, and a counterexample that passes."""
    text = yaml_scenario.read_text(encoding="utf-8")
    broken = text.replace('expect: {contains: "true"}', "expect: {exists: true}") \
        .replace("Value: \"false\"}]", "Value: \"true\"}]")
    assert broken != text
    import shutil

    shutil.copytree(yaml_scenario.parent / "content", tmp_path / "content")
    path = tmp_path / "web-lab.yaml"
    path.write_text(broken.replace("select: \"Reservations[].Instances[].Tags[?Key=='quarantine'"
                                   "].Value[]\"", "select: \"Reservations[].Instances[]\""),
                    encoding="utf-8")
    assert main(["test", str(path), "--step", "quarantine"]) == 1
    out = capsys.readouterr().out
    assert "passes on an untouched account" in out
    assert "passes, but must not" in out
    assert "1 of 1 steps failed: quarantine" in out


def test_labguide_test_bad_input_is_exit_2(tmp_path, capsys):
    assert main(["test", str(tmp_path / "nope.yaml")]) == 2
    assert main(["test", "compromised-iam-credentials", "--step", "nope"]) == 2


async def test_it_runs_in_the_app_with_its_table_pane(yaml_scenario, tmp_path):
    from textual.widgets import DataTable

    from tests.tui.helpers import lab_ready, make_app, wait_until

    app = make_app(scenario=str(yaml_scenario), store_path=tmp_path / "p.db", seed=1,
                   poll_interval=0.2, check_interval=0.5, realtime=False)
    async with app.run_test(size=(140, 44)) as pilot:
        await lab_ready(pilot)
        app.screen.go_to("quarantine")
        await wait_until(pilot, lambda: app.screen.query("#pane-instances"), "the table pane",
                         timeout=90)
        pane = app.screen.query_one("#pane-instances")
        table = pane.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "the instance row", timeout=90)
        detail = str(app.screen.query_one("#instances-detail").render())
        assert '"InstanceId": "i-' in detail
        table.focus()
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen.id != "lab", "the confirmation")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: app.session.state("quarantine") == "done",
                         "the step done by the row action", timeout=90)
        assert "true" in [str(cell) for cell in table.get_row_at(0)]
