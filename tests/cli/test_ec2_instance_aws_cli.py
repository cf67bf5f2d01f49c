"""compromised-ec2-instance done with the real AWS CLI against a real `labguide sim serve`
process, as a learner at a terminal would, with `labguide check --json` after each step.
The world clock is moved through the simulator's /moto-api/ route to see the attacker's
next rounds: blocked ones leave no log line and no GuardDuty count."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from labguide.sim.guardduty.models import PUBLICATION_DELAY

SCENARIO = "compromised-ec2-instance"
BRUTE = "UnauthorizedAccess:EC2/SSHBruteForce"
CALLER = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"
AWS = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(AWS is None, reason="the AWS CLI is not installed")]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ec2-cli")
    env_file = folder / "account.env"
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base["LABGUIDE_HOME"] = str(folder / "home")
    process = subprocess.Popen(
        [sys.executable, "-m", "labguide", "sim", "serve", SCENARIO, "--env-file",
         str(env_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=base)
    try:
        seen = ""
        for line in process.stderr:
            seen += line
            if "serving 1 account(s)" in line:
                break
        assert "serving 1 account(s)" in seen, seen
        env = dict(base, HOME=str(folder), AWS_CONFIG_FILE=str(folder / "config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(folder / "credentials"),
                   AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")
        for line in env_file.read_text().splitlines():
            if line.startswith("export "):
                name, value = line[len("export "):].split("=", 1)
                env[name] = shlex.split(value)[0]
        yield env
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def aws(env, *args: str):
    done = subprocess.run([AWS, *args, "--output", "json"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, (args, done.stderr)
    return json.loads(done.stdout) if done.stdout.strip() else {}


def check(env) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "labguide", "check", SCENARIO, "--json"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    return {step["id"]: step["status"] for step in report["steps"]}


def advance(env, seconds: int) -> None:
    """Move the world clock, with the token `sim serve` wrote for its admin routes."""
    port = env["AWS_ENDPOINT_URL"].rstrip("/").rsplit(":", 1)[1]
    (token_file,) = Path(env["LABGUIDE_HOME"]).rglob(f"sim-serve-{port}.token")
    request = urllib.request.Request(
        env["AWS_ENDPOINT_URL"].rstrip("/") + "/moto-api/labguide/clock/advance",
        data=json.dumps({"seconds": seconds}).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {token_file.read_text().strip()}"})
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (loopback)
        assert answer.status == 200


def run_on(env, instance: str, *commands: str) -> str:
    command = aws(env, "ssm", "send-command", "--instance-ids", instance, "--document-name",
                  "AWS-RunShellScript", "--parameters",
                  json.dumps({"commands": list(commands)}))["Command"]["CommandId"]
    aws(env, "ssm", "wait", "command-executed", "--command-id", command,
        "--instance-id", instance)
    return aws(env, "ssm", "get-command-invocation", "--command-id", command,
               "--instance-id", instance)["StandardOutputContent"]


def findings(env, detector: str, finding_type: str) -> list[dict]:
    ids = aws(env, "guardduty", "list-findings", "--detector-id", detector,
              "--finding-criteria",
              json.dumps({"Criterion": {"type": {"Eq": [finding_type]}}}))["FindingIds"]
    if not ids:
        return []
    return aws(env, "guardduty", "get-findings", "--detector-id", detector,
               "--finding-ids", *ids)["Findings"]


def test_the_exercise_with_the_aws_cli(served):
    env = served
    assert check(env) == {"alert": "manual", "investigate": "failed", "check-logins": "manual",
                          "block-attacker": "failed", "close-ssh": "failed",
                          "disable-passwords": "failed", "review": "manual"}

    # alert / investigate: the brute force on the instance, and the instance calling back.
    (detector,) = aws(env, "guardduty", "list-detectors")["DetectorIds"]
    (brute,) = findings(env, detector, BRUTE)
    instance = brute["Resource"]["InstanceDetails"]["InstanceId"]
    action = brute["Service"]["Action"]["NetworkConnectionAction"]
    attacker = action["RemoteIpDetails"]["IpAddressV4"]
    assert brute["Resource"]["ResourceType"] == "Instance"
    assert brute["Service"]["ResourceRole"] == "TARGET"
    assert (action["ConnectionDirection"], action["LocalPortDetails"]["Port"]) == ("INBOUND", 22)
    assert brute["Title"].startswith(f"{attacker} is performing SSH brute force attacks")
    (caller,) = findings(env, detector, CALLER)
    assert caller["Service"]["Action"]["NetworkConnectionAction"]["ConnectionDirection"] == \
        "OUTBOUND"
    aws(env, "guardduty", "create-filter", "--detector-id", detector, "--name",
        "ssh-brute-force", "--action", "NOOP", "--finding-criteria", json.dumps(
            {"Criterion": {"resource.instanceDetails.instanceId": {"Eq": [instance]}}}))
    assert check(env)["investigate"] == "passed"

    # check-logins: the accepted password, in CloudWatch Logs and on the instance.
    (group,) = [g["logGroupName"] for g in aws(env, "logs", "describe-log-groups")["logGroups"]
                if g["logGroupName"].endswith("/var/log/secure")]
    accepted = aws(env, "logs", "filter-log-events", "--log-group-name", group,
                   "--filter-pattern", '"Accepted password"')["events"]
    assert accepted and all(f"Accepted password for alice from {attacker} port" in e["message"]
                            for e in accepted)
    failed = aws(env, "logs", "filter-log-events", "--log-group-name", group,
                 "--filter-pattern", '"Failed password for invalid user admin"')["events"]
    assert failed
    stream = aws(env, "logs", "get-log-events", "--log-group-name", group, "--log-stream-name",
                 instance, "--start-from-head")["events"]
    assert any("Invalid user admin from" in e["message"] for e in stream)
    on_host = run_on(env, instance, "grep 'Accepted password' /var/log/secure")
    assert f"Accepted password for alice from {attacker}" in on_host

    # block-attacker: the subnet's ACL, a deny ahead of rule 100.
    reservation = aws(env, "ec2", "describe-instances", "--instance-ids", instance)
    described = reservation["Reservations"][0]["Instances"][0]
    subnet, group_id = described["SubnetId"], described["SecurityGroups"][0]["GroupId"]
    acl = aws(env, "ec2", "describe-network-acls", "--filters",
              f"Name=association.subnet-id,Values={subnet}")["NetworkAcls"][0]["NetworkAclId"]
    aws(env, "ec2", "create-network-acl-entry", "--network-acl-id", acl, "--ingress",
        "--rule-number", "90", "--protocol", "-1", "--rule-action", "deny", "--cidr-block",
        f"{attacker}/32")
    assert check(env)["block-attacker"] == "passed"
    # GuardDuty publishes what it saw before the deny some minutes later; then no more.
    advance(env, PUBLICATION_DELAY.total_seconds())
    count = findings(env, detector, BRUTE)[0]["Service"]["Count"]
    lines = len(run_on(env, instance, "cat /var/log/secure").splitlines())
    advance(env, 600)  # five more rounds of guessing, all dropped at the subnet
    assert findings(env, detector, BRUTE)[0]["Service"]["Count"] == count
    assert len(run_on(env, instance, "cat /var/log/secure").splitlines()) == lines

    # close-ssh: no SSH from the internet; HTTP stays.
    aws(env, "ec2", "revoke-security-group-ingress", "--group-id", group_id, "--protocol",
        "tcp", "--port", "22", "--cidr", "0.0.0.0/0")
    rules = aws(env, "ec2", "describe-security-groups", "--group-ids", group_id)[
        "SecurityGroups"][0]["IpPermissions"]
    assert [(r["FromPort"], r["IpRanges"][0]["CidrIp"]) for r in rules] == [(80, "0.0.0.0/0")]
    assert check(env)["close-ssh"] == "passed"

    # disable-passwords: an edit alone changes nothing; the restart applies it.
    run_on(env, instance, "sed -i 's/^PasswordAuthentication yes/PasswordAuthentication no/' "
                          "/etc/ssh/sshd_config")
    assert "passwordauthentication no" in run_on(env, instance, "sshd -T")
    assert check(env)["disable-passwords"] == "failed"
    run_on(env, instance, "systemctl restart sshd")
    assert check(env) == {"alert": "manual", "investigate": "passed", "check-logins": "manual",
                          "block-attacker": "passed", "close-ssh": "passed",
                          "disable-passwords": "passed", "review": "manual"}
