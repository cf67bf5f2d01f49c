"""A class of real processes: `labguide class serve`, a participant who joins with
`labguide join --print-env`, does every step with the AWS CLI (the guide's own snippets)
and answers with `labguide answer`; the instructor's `labguide class status --json` and
`class export` see every step done. The server's checks judge it: the participant's
laptop runs no check."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from labguide.checks import CheckRunner
from labguide.scenario import load_scenario
from labguide.scenario.model import ChoiceAnswer, FactAnswer
from labguide.scenario.render import render_step
from labguide.target import Credentials, Target
from tests.classroom.conftest import class_process
from tests.content.test_guide_cli_walkthrough import _cli_snippets

pytestmark = pytest.mark.slow
SCENARIO = "compromised-iam-credentials"
AWS_DIR = str(Path(sys.executable).parent)


def _labguide(env, *args, timeout=180):
    return subprocess.run([sys.executable, "-m", "labguide", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture()
def classroom(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(LABGUIDE_HOME=str(tmp_path / "instructor"), AWS_PAGER="",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    with class_process(env, tmp_path / "state", 2) as (url, codes):
        yield env, url, codes, tmp_path


def test_a_participant_on_the_aws_cli_finishes_with_labguide_answer(classroom):
    env, url, codes, tmp_path = classroom
    participant = dict(env, LABGUIDE_HOME=str(tmp_path / "laptop"), HOME=str(tmp_path))
    joined = _labguide(participant, "join", url, codes[0], "--name", "Lin", "--print-env")
    assert joined.returncode == 0, joined.stderr
    exports = dict(line[len("export "):].split("=", 1) for line in joined.stdout.splitlines()
                   if line.startswith("export "))
    exports = {k: shlex.split(v)[0] for k, v in exports.items()}
    seat_file = Path(participant["LABGUIDE_HOME"]) / "class" / "seat.json"
    assert oct(seat_file.stat().st_mode & 0o777) == "0o600"
    shell = dict(participant, **exports, PATH=f"{AWS_DIR}{os.pathsep}{env.get('PATH', '')}")

    loaded = load_scenario(SCENARIO)
    target = Target.for_simulator(exports["AWS_ENDPOINT_URL"],
                                  Credentials(exports["AWS_ACCESS_KEY_ID"],
                                              exports["AWS_SECRET_ACCESS_KEY"]),
                                  exports["AWS_DEFAULT_REGION"])
    runner = CheckRunner(loaded, target)  # to render the snippets and know the facts
    facts = runner.run_round().facts
    for step in loaded.scenario.steps:
        script = "\n".join(_cli_snippets(render_step(loaded, step.id, facts)))
        script = script.replace("<USER_NAME>", facts["role_name"])
        if script:
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=shell,
                                  cwd=tmp_path, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, (step.id, done.stderr[-2000:])
            facts = {**facts, **{k: v for k, v in runner.run_round().facts.items() if v}}
        for question in step.questions:
            expect = question.expect
            if isinstance(expect, FactAnswer):
                value = facts[expect.fact_names[0]]
            elif isinstance(expect, ChoiceAnswer):
                value = expect.correct[0]
            else:
                continue
            answered = _labguide(shell, "answer", SCENARIO, f"{step.id}/{question.id}", value)
            assert answered.returncode == 0, (question.id, answered.stdout, answered.stderr)
            assert "class server (seat 1): right" in answered.stdout
    runner.close()
    wrong = _labguide(shell, "answer", SCENARIO, "finding-type", "Recon:EC2/PortProbe")
    assert wrong.returncode == 1 and "not right" in wrong.stdout

    status = _labguide(env, "class", "status", url, "--json")
    assert status.returncode == 0, status.stderr
    board = json.loads(status.stdout)
    seat = board["seats"][0]
    assert seat["name"] == "Lin" and seat["joined"]
    assert [s["status"] for s in seat["steps"]] == ["done"] * len(loaded.scenario.steps), \
        [(s["id"], s["status"], s["last_failure"]) for s in seat["steps"]]
    assert all(s["status"] == "not-started" for s in board["seats"][1]["steps"])
    exported = _labguide(env, "class", "export", url, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert all(r["status"] == "done" for r in rows if r["seat"] == "1")
    assert all(r["time_to_done_s"] != "" for r in rows if r["seat"] == "1")
