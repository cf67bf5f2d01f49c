"""Follow the guide with the AWS CLI alone: run every AWS CLI snippet of each step, as
rendered for the learner, against a simulated account (as `labguide sim serve` hosts
it), and check that the snippets find what the questions ask and pass the step's checks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labguide.checks import CheckRunner
from labguide.scenario.loader import load_scenario
from labguide.scenario.render import render_step
from labguide.sim.server import SimServer
from labguide.target import Target

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_FILE = ROOT / "scenarios" / "compromised-iam-credentials.yaml"

pytestmark = pytest.mark.slow


def _aws_cli() -> str:
    found = shutil.which("aws", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                      os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip("the AWS CLI is not installed")
    return found


def _cli_snippets(markdown: str) -> list[str]:
    """The ```bash blocks that call the AWS CLI (the instance shell's ```sh is not local)."""
    return [block for block in re.findall(r"```bash[^\n]*\n(.*?)```", markdown, flags=re.S)
            if "aws " in block]


def _answers(outputs: dict[str, str]) -> dict[tuple[str, str], str]:
    """The answers a learner reads off the CLI's output, as they would type them."""
    answers: dict[tuple[str, str], str] = {}
    alert = outputs.get("alert", "")
    row = re.search(r"\|\s*(UnauthorizedAccess:IAMUser/\S+)\s*\|\s*(ASIA[A-Z0-9]+)", alert)
    if row:
        answers[("alert", "finding-type")] = row.group(1)
        answers[("alert", "access-key")] = row.group(2)
    user = re.search(r'"UserName"\s*:\s*"([^"]+)"', outputs.get("identify-principal", ""))
    if user:
        answers[("identify-principal", "principal")] = f"  {user.group(1)} "
    key = re.search(r'^.*"AccessKeyId".*$', outputs.get("verify-rotation", ""), re.M)
    if key:  # pasted as the whole line the grep printed
        answers[("verify-rotation", "current-key")] = key.group(0)
    return answers


@pytest.fixture(scope="module")
def account():
    loaded = load_scenario(SCENARIO_FILE)
    scenario = loaded.scenario
    with SimServer() as server:
        world = server.add_world(scenario.world.name, dict(scenario.world.params),
                                 region=scenario.region)
        target = Target.for_simulator(server.endpoint_url, world.learner, scenario.region,
                                      clock=world.clock.now)
        yield loaded, server, world, target


def test_the_cli_snippets_complete_every_step(account, tmp_path):
    loaded, server, world, target = account
    aws_dir = Path(_aws_cli()).parent
    env = {
        "PATH": f"{aws_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": server.endpoint_url,
        "AWS_ACCESS_KEY_ID": world.learner.access_key_id,
        "AWS_SECRET_ACCESS_KEY": world.learner.secret_access_key,
        "AWS_DEFAULT_REGION": loaded.scenario.region,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_PAGER": "",
    }
    stolen = world.truth.stolen_access_key_id
    with CheckRunner(loaded, target) as runner:
        facts = runner.run_round().facts
        assert facts["access_key_id"] == stolen

        outputs: dict[str, str] = {}
        for step in loaded.scenario.steps:
            markdown = render_step(loaded, step.id, facts)
            script = "\n".join(_cli_snippets(markdown))
            # The one value the learner types in by hand: the userName they just read.
            script = script.replace("<USER_NAME>", facts["role_name"])
            if script:
                done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env,
                                      cwd=tmp_path, capture_output=True, text=True, timeout=120)
                assert done.returncode == 0, (step.id, done.stderr[-2000:])
                outputs[step.id] = done.stdout
            world.advance(2)  # a learner takes a moment between steps
            result = runner.run_round(step_ids=[step.id], answers=_answers(outputs))
            (judged,) = result.steps
            for check in judged.checks:
                if step.id != "review":  # its answer is a choice, typed in the app
                    assert check.status == "passed", (step.id, check)

    assert set(outputs) == {"alert", "filter-key", "identify-principal", "revoke-sessions",
                            "restart-instance", "verify-rotation"}
    # What the questions ask is in what the snippets printed.
    assert facts["finding_type"] in outputs["alert"] and stolen in outputs["alert"]
    assert facts["role_name"] in outputs["identify-principal"]
    assert f":{facts['instance_id']}" in outputs["identify-principal"]  # the session name
    assert facts["role_arn"] in outputs["identify-principal"]
    rotated = re.search(r'"AccessKeyId"\s*:\s*"([A-Z0-9]+)"', outputs["verify-rotation"])
    assert rotated and rotated.group(1) != stolen
    assert "SecretAccessKey" not in outputs["verify-rotation"]  # the grep keeps secrets off

    # The attacker, still calling with the stolen key, is refused from the revocation on.
    world.advance(240)
    calls = world.attacker.recent_calls()
    assert calls and not calls[-1].allowed
