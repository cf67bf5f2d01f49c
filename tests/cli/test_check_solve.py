"""`labguide check` and `labguide solve` end to end: exit codes, the --json contract,
solving step by step against a SimServer endpoint, and the real-account guard."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from labguide.cli import main
from labguide.target import Target

SCENARIO = "compromised-iam-credentials"
STEP_IDS = ["alert", "filter-key", "identify-principal", "revoke-sessions", "restart-instance",
            "verify-rotation", "review"]


@pytest.fixture
def endpoint(monkeypatch) -> Iterator[tuple[str, object]]:
    """A SimServer with one world; the environment holds its learner's keys."""
    from labguide.scenario import load_scenario
    from labguide.sim.server import SimServer

    scenario = load_scenario(SCENARIO).scenario
    with SimServer() as server:
        world = server.add_world(scenario.world.name, dict(scenario.world.params),
                                 region=scenario.region)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", world.learner.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", world.learner.secret_access_key)
        yield server.endpoint_url, world


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_json(capsys, url: str) -> dict:
    code, out, err = run(capsys, "check", SCENARIO, "--json", "--endpoint", url)
    report = json.loads(out)  # exactly one JSON object
    assert code == (0 if all(s["status"] in ("passed", "manual") for s in report["steps"]) else 1)
    return report


@pytest.mark.parametrize(("argv", "needle"), [
    (["check", SCENARIO, "--step", "nope"], "unknown step"),
    (["check", "no-such-scenario"], "no-such-scenario"),
    (["solve", SCENARIO, "--step", "nope"], "unknown step"),
    (["check", SCENARIO, "--sim", "--profile", "p"], "--profile"),
    (["check", SCENARIO, "--endpoint", "http://[::1"], "not a valid URL"),
    (["check", SCENARIO, "--endpoint", "http://exa mple:80"], "invalid host name"),
    (["check", SCENARIO, "--endpoint", "http://127.0.0.1:99999"], "Port out of range"),
    (["check", SCENARIO, "--endpoint", "http://127.0.0.1:9", "--region", "bad region!"],
     "not a valid AWS region"),
    (["check", SCENARIO, "--aws", "--region", "bad region!"], "not a valid AWS region"),
    (["check", SCENARIO, "--sim", "--region", "us-west-9"], "no region 'us-west-9'"),
    (["solve", SCENARIO, "--step", "filter-key", "--region", "us-west-9"], "us-west-9"),
])
def test_bad_input_exits_2_with_one_line(capsys, monkeypatch, argv, needle):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("labguide: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_a_scenario_in_a_region_the_simulator_lacks_exits_2(capsys, tmp_path):
    from labguide.scenario import load_scenario

    loaded = load_scenario(SCENARIO)
    copy = tmp_path / "scenarios" / loaded.path.name
    copy.parent.mkdir()
    text = loaded.path.read_text()
    region = loaded.scenario.region
    assert f"region: {region}" in text
    copy.write_text(text.replace(f"region: {region}", "region: us-west-9", 1))
    shutil.copytree(loaded.content_dir, tmp_path / "content" / loaded.scenario.id)
    code, out, err = run(capsys, "check", str(copy), "--json")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "no region 'us-west-9'" in err


def test_check_json_on_a_fresh_simulated_account(capsys):
    code, out, _ = run(capsys, "check", SCENARIO, "--json")
    report = json.loads(out)
    assert code == 1
    assert report["scenario"] == SCENARIO
    assert report["target"]["kind"] == "sim" and report["target"]["account_id"]
    assert [s["id"] for s in report["steps"]] == STEP_IDS
    for step in report["steps"]:
        assert set(step) == {"id", "title", "status", "checks"}
        for check in step["checks"]:
            assert set(check) == {"id", "status", "summary", "expected", "observed"}
    assert report["steps"][1]["checks"][0]["id"] == "key-filtered"
    assert report["steps"][1]["status"] == "failed"
    assert "secret" not in out.lower()


def test_human_output_has_an_icon_and_a_word_per_check(capsys, endpoint):
    url, _ = endpoint
    code, out, _ = run(capsys, "check", SCENARIO, "--step", "filter-key", "--endpoint", url)
    assert code == 1
    lines = out.splitlines()
    assert any(line.strip().startswith("✗ failed  key-filtered: ") for line in lines)
    assert any(line.strip().startswith("expected: a saved filter on") for line in lines)


def test_solve_step_by_step_then_everything_passes(capsys, endpoint):
    url, world = endpoint
    for step_id in STEP_IDS:
        code, out, err = run(capsys, "solve", SCENARIO, "--step", step_id, "--endpoint", url)
        assert code == 0, err
        if step_id in ("filter-key", "revoke-sessions", "restart-instance", "verify-rotation"):
            assert "\naws " in "\n" + out and f"--endpoint-url {url}" in out
            assert world.learner.secret_access_key not in out
        report = check_json(capsys, url)
        statuses = {step["id"]: step["status"] for step in report["steps"]}
        checks = {check["id"]: check["status"] for step in report["steps"]
                  for check in step["checks"]}
        if step_id in ("filter-key", "revoke-sessions", "restart-instance"):
            assert statuses[step_id] == "passed", report
    # verify-rotation's state check passes; the step waits for the pasted key (manual).
    assert checks["key-rotated"] == "passed" and checks["current-key-named"] == "manual"
    assert statuses == {"alert": "manual", "filter-key": "passed",
                        "identify-principal": "manual", "revoke-sessions": "passed",
                        "restart-instance": "passed", "verify-rotation": "manual",
                        "review": "manual"}
    assert run(capsys, "check", SCENARIO, "--endpoint", url)[0] == 0
    assert world.truth.stolen_access_key_id not in capsys.readouterr().out


def test_a_real_account_is_not_changed_without_yes(capsys, endpoint, monkeypatch):
    """--aws reaches the simulator here, as a stand-in real account, to count writes."""
    url, world = endpoint
    sent: list[str] = []
    made: list[Target] = []

    def fake_aws(*, region, profile=None, default_region=None, allow_changes=False):
        target = Target(kind="aws", region=region or default_region, endpoint_url=url,
                        credentials=None, allow_changes=allow_changes)
        target.on_event("before-call.*.*", lambda event_name, **_: sent.append(event_name))
        made.append(target)
        return target

    monkeypatch.setattr(Target, "for_aws", staticmethod(fake_aws))
    code, out, err = run(capsys, "solve", SCENARIO, "--step", "revoke-sessions", "--aws")
    assert code == 2
    assert "would change the real account" in out and "nothing was changed" in out
    assert "aws iam put-role-policy" in out
    assert not [e for e in sent if not e.split(".")[-1].startswith(("List", "Get", "Describe"))]

    code, out, err = run(capsys, "solve", SCENARIO, "--step", "revoke-sessions", "--aws", "--yes")
    assert code == 0, err
    assert f"changing account {world.account_id}: revoke" in out.lower() or \
        f"changing account {world.account_id}: deny" in out.lower()
    assert "before-call.iam.PutRolePolicy" in sent
    assert run(capsys, "check", SCENARIO, "--step", "revoke-sessions", "--endpoint", url)[0] == 0


def test_solve_on_sim_says_the_account_is_discarded(capsys):
    code, out, err = run(capsys, "solve", SCENARIO, "--step", "filter-key", "--sim")
    assert code == 0
    assert "fresh simulated account" in err and "--endpoint" in err
    assert "aws guardduty create-filter" in out


def test_an_endpoint_target_reads_the_time_from_the_account(endpoint):
    """Without a simulator clock, `now` is the Date header of an STS answer."""
    from datetime import UTC, datetime, timedelta

    url, world = endpoint
    target = Target.for_endpoint(url, region=None, default_region=world.region)
    now = target.now()
    assert now.tzinfo is not None and now.microsecond == 0
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=5)
    assert target.identity().account_id == world.account_id
    assert target.describe()["account_id"] == world.account_id


def test_check_json_without_credentials_still_prints_the_json(capsys):
    """No credentials at all (issue 11.8): stdout is still the --json shape, every check
    `error` with the reason; the message on stderr; exit 2 (configuration)."""
    code, out, err = run(capsys, "check", SCENARIO, "--json", "--aws",
                         "--region", "ap-southeast-2")
    assert code == 2
    assert "no AWS credentials found" in err
    report = json.loads(out)
    assert report["scenario"] == SCENARIO
    assert report["target"] == {"kind": "aws", "region": "ap-southeast-2"}
    assert [step["id"] for step in report["steps"]] == STEP_IDS
    checks = [c for step in report["steps"] for c in step["checks"]]
    assert checks and {c["status"] for c in checks} == {"error"}
    assert all("no AWS credentials found" in c["summary"] for c in checks)
    assert {step["status"] for step in report["steps"] if step["checks"]} == {"error"}
    code, out, _ = run(capsys, "check", SCENARIO, "--aws", "--region", "ap-southeast-2")
    assert code == 2 and out == ""  # without --json: the message only
