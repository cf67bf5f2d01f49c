"""A class of real processes: `labguide class serve` on loopback and three participants, each
its own process with its own LABGUIDE_HOME: two `labguide join` apps driven by Pilot
(tests/classroom/pilot_participant.py) and one on the AWS CLI (`join --print-env`, real
`aws`, `labguide answer`). The instructor's `class status --json` shows what each did; the
instructor's `class message` (to a seat) and broadcast reach the apps as notices and in
their messages view, each app only its own; and no seat sees another's world: the apps show
their own accounts and findings, the CLI participant's filter exists in its account only,
and a neighbour's key id signed with one's own secret is refused."""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.classroom.conftest import class_process

pytestmark = pytest.mark.slow  # three processes and a class server: ~40 s
SCENARIO = "compromised-iam-credentials"
ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("pilot_participant.py")
AWS_DIR = str(Path(sys.executable).parent)
IAM_ALERT = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(LABGUIDE_HOME=str(home), HOME=str(home), AWS_PAGER="",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               PATH=f"{AWS_DIR}{os.pathsep}{env.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
               **extra)
    return env


def _labguide(env, *args, timeout=120):
    done = subprocess.run([sys.executable, "-m", "labguide", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)
    return done


def _sh(env, script: str) -> str:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (script, done.stderr[-2000:])
    return done.stdout.strip()


@pytest.fixture()
def klass(tmp_path):
    env = _env(tmp_path / "instructor")
    with class_process(env, tmp_path / "state", 3, "--workers", "1") as (url, codes):
        yield env, url, codes, tmp_path


class App:
    """A Pilot-driven `labguide join` in its own process; its stdout lines read aside."""

    def __init__(self, tmp_path: Path, url: str, code: str, name: str, role: str):
        self.home = tmp_path / name
        self.result = tmp_path / f"{name}.json"
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), url, code, name, role, str(self.result)],
            env=_env(self.home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.reported = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if line.strip() == "reported":
                self.reported.set()

    def wait_reported(self, timeout: float) -> None:
        if not self.reported.wait(timeout):
            self.process.kill()
            raise AssertionError(f"{self.home.name} never reported: {self.lines} "
                                 f"{self.process.stderr.read()[-3000:]}")

    def finish(self, timeout: float = 120) -> dict:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
        stderr = self.process.stderr.read()
        assert self.result.exists(), (self.home.name, self.lines, stderr[-3000:])
        return json.loads(self.result.read_text())

    def seat(self) -> dict:
        return json.loads((self.home / "class" / "seat.json").read_text())


def _status(env, url) -> dict:
    done = _labguide(env, "class", "status", url, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _wait_status(env, url, predicate, what, timeout=90.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        board = _status(env, url)
        if predicate(board):
            return board
        if time.monotonic() > deadline:
            raise AssertionError(f"class status never showed {what}: "
                                 f"{json.dumps(board['seats'], indent=1)[:4000]}")
        time.sleep(1.0)


def _step(seat: dict, step: str) -> dict:
    return next(s for s in seat["steps"] if s["id"] == step)


def test_two_pilot_apps_and_an_aws_cli_participant_in_one_class(klass):
    env, url, codes, tmp_path = klass
    ada = App(tmp_path, url, codes[0], "Ada", "right")
    bo = App(tmp_path, url, codes[1], "Bo", "wrong")

    # The AWS CLI participant, seat 3, meanwhile: filter its own stolen key, answer it.
    cy_home = tmp_path / "Cy"
    joined = _labguide(_env(cy_home), "join", url, codes[2], "--name", "Cy", "--print-env")
    assert joined.returncode == 0, joined.stderr
    exports = {k: shlex.split(v)[0] for k, v in (
        line[len("export "):].split("=", 1) for line in joined.stdout.splitlines()
        if line.startswith("export "))}
    cy = _env(cy_home, **exports)
    detector = _sh(cy, "aws guardduty list-detectors --query 'DetectorIds[0]' --output text")
    key = _sh(cy, f"""
        for i in $(seq 60); do
          ids=$(aws guardduty list-findings --detector-id {detector} --output text \\
                --query 'FindingIds' --finding-criteria \\
                '{{"Criterion": {{"type": {{"Eq": ["{IAM_ALERT}"]}}}}}}')
          [ -n "$ids" ] && break; sleep 2
        done
        aws guardduty get-findings --detector-id {detector} --finding-ids $ids --output text \\
          --query 'Findings[0].Resource.AccessKeyDetails.AccessKeyId'""")
    assert key.startswith("ASIA"), key
    _sh(cy, f"""aws guardduty create-filter --detector-id {detector} --name cy-stolen-key \\
        --action NOOP --finding-criteria \\
        '{{"Criterion": {{"resource.accessKeyDetails.accessKeyId": {{"Eq": ["{key}"]}}}}}}'""")
    answered = _labguide(cy, "answer", SCENARIO, "alert/access-key", key)
    assert answered.returncode == 0 and "class server (seat 3): right" in answered.stdout, \
        (answered.stdout, answered.stderr)
    # a neighbour's key id signed with Cy's own secret: refused as AWS would
    neighbour = next(row for row in csv.DictReader(
        (tmp_path / "state" / "seats.csv").open()) if row["seat"] == "1")
    forged = subprocess.run(["aws", "sts", "get-caller-identity"], capture_output=True,
                            text=True, timeout=60,
                            env=dict(cy, AWS_ACCESS_KEY_ID=neighbour["access_key_id"]))
    assert forged.returncode != 0 and "(SignatureDoesNotMatch)" in forged.stderr

    ada.wait_reported(240)
    bo.wait_reported(240)
    board = _wait_status(env, url, lambda b: (
        _step(b["seats"][0], "alert")["status"] == "done" and b["seats"][1]["help"]
        and _step(b["seats"][2], "filter-key")["status"] == "done"),
        "Ada's step done, Bo's hand, Cy's filter judged by the server")
    one, two, three = board["seats"]
    assert [s["name"] for s in board["seats"]] == ["Ada", "Bo", "Cy"]
    assert all(s["joined"] for s in board["seats"])
    assert len({s["account_id"] for s in board["seats"]}) == 3
    # Ada: both answers right, with their text; a hint; the step done
    ada_answers = {a["question"]: a for a in one["answers"]}
    assert ada_answers["finding-type"]["correct"] is True
    assert ada_answers["finding-type"]["value"] == IAM_ALERT
    assert ada_answers["access-key"]["correct"] is True
    assert _step(one, "alert")["hints"] >= 1
    assert _step(one, "filter-key")["status"] != "done"  # Cy's filter is not in Ada's world
    # Bo: the wrong key, as typed; a raised hand with its text; the step not done
    assert [(a["question"], a["value"], a["correct"]) for a in two["answers"]] == \
        [("access-key", "ASIAXXXXXXXXXXXXXXXX", False)]
    assert two["help_text"] == "which key is it?"
    assert _step(two, "alert")["status"] != "done"
    assert _step(two, "filter-key")["status"] != "done"
    # Cy: the filter made with the CLI, judged by the server's own checks; the answer
    assert [(a["question"], a["value"], a["correct"]) for a in three["answers"]] == \
        [("access-key", key, True)]

    # The instructor writes to Ada, to Bo, and to everyone, with the real commands.
    for args in (("--seat", "1", "look at the key in the e-mail"),
                 ("--seat", "2", "the key starts with ASIA"), ("ten minutes left",)):
        sent = _labguide(env, "class", "message", url, *args)
        assert sent.returncode == 0, sent.stderr
    shown = {"Ada": ada.finish(), "Bo": bo.finish()}
    for name, mine, other in (("Ada", "look at the key in the e-mail", "the key starts with"),
                              ("Bo", "the key starts with ASIA", "look at the key")):
        result = shown[name]
        texts = [text for _sender, text in result["received"]]
        assert texts == [mine, "ten minutes left"], (name, texts)
        assert {n["message"] for n in result["notices"]} >= {mine, "ten minutes left"}
        assert any(n["title"] == "Message from Instructor (to everyone)"
                   for n in result["notices"])
        assert mine in result["messages_view"] and "ten minutes left" in result["messages_view"]
        assert other not in result["messages_view"]
    # Each app was on its own seat's account and read its own world's findings.
    seats = {name: app.seat() for name, app in (("Ada", ada), ("Bo", bo))}
    assert shown["Ada"]["account_id"] == one["account_id"] == seats["Ada"]["account_id"]
    assert shown["Bo"]["account_id"] == two["account_id"] == seats["Bo"]["account_id"]
    assert len({shown["Ada"]["alert_key"], shown["Bo"]["alert_key"], key}) == 3
    assert not set(shown["Ada"]["alert_finding_ids"]) & set(shown["Bo"]["alert_finding_ids"])
    assert shown["Ada"]["steps"]["alert"] == "done" and shown["Bo"]["steps"]["alert"] != "done"
    # Cy's filter lives in Cy's account only.
    for name in ("Ada", "Bo"):
        seat = seats[name]
        theirs = _env(tmp_path / name, AWS_ENDPOINT_URL=seat["endpoint_url"],
                      AWS_ACCESS_KEY_ID=seat["access_key_id"],
                      AWS_SECRET_ACCESS_KEY=seat["secret_access_key"],
                      AWS_DEFAULT_REGION=seat["region"])
        own = _sh(theirs, "aws guardduty list-detectors --query 'DetectorIds[0]' --output text")
        assert _sh(theirs, f"aws guardduty list-filters --detector-id {own} "
                           "--query 'FilterNames' --output text") == "", name
    assert _sh(cy, f"aws guardduty list-filters --detector-id {detector} "
                   "--query 'FilterNames' --output text") == "cy-stolen-key"
