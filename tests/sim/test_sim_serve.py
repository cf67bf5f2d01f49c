"""`labguide sim serve`: a real subprocess serving two accounts, env file, Ctrl-C; bad input."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys

import boto3
import pytest

from labguide.cli import main

SCENARIO = "compromised-iam-credentials"


def _parse_env(text: str) -> list[dict[str, str]]:
    accounts: list[dict[str, str]] = []
    for line in text.splitlines():
        if line.startswith("# account "):
            accounts.append({"account": line.split()[-1]})
        elif line.startswith("export "):
            name, value = line[len("export "):].split("=", 1)
            accounts[-1][name] = shlex.split(value)[0]
    return accounts


def test_serve_two_accounts_env_file_and_ctrl_c(tmp_path):
    env_file = tmp_path / "accounts.env"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "labguide", "sim", "serve", SCENARIO, "--accounts", "2",
         "--env-file", str(env_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        ready = ""
        for line in process.stderr:  # blocks until the server says it is serving
            ready += line
            if "serving 2 account(s)" in line:
                break
        assert "serving 2 account(s)" in ready, ready
        accounts = _parse_env(env_file.read_text())
        assert len(accounts) == 2 and accounts[0]["account"] != accounts[1]["account"]
        assert (env_file.stat().st_mode & 0o777) == 0o600
        for account in accounts:
            assert account["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
            kwargs = dict(endpoint_url=account["AWS_ENDPOINT_URL"],
                          region_name=account["AWS_DEFAULT_REGION"],
                          aws_access_key_id=account["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=account["AWS_SECRET_ACCESS_KEY"])
            assert boto3.client("sts", **kwargs).get_caller_identity()["Account"] == \
                account["account"]
            gd = boto3.client("guardduty", **kwargs)
            detectors = gd.list_detectors()["DetectorIds"]
            assert len(detectors) == 1
            findings = gd.list_findings(DetectorId=detectors[0])["FindingIds"]
            keys = {f["Resource"]["AccessKeyDetails"]["AccessKeyId"]
                    for f in gd.get_findings(DetectorId=detectors[0],
                                             FindingIds=findings)["Findings"]}
            assert len(keys) == 1 and next(iter(keys)).startswith("ASIA")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert _parse_env(out) == accounts  # stdout carries the same blocks
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("argv, message", [
    (["--accounts", "0"], "--accounts must be from 1"),
    (["--port", "70000"], "--port must be from 0 to 65535"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    assert main(["sim", "serve", SCENARIO, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_unknown_scenario_exits_2(capsys):
    assert main(["sim", "serve", "no-such-scenario"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no-such-scenario" in err and "Traceback" not in err


def test_port_in_use_exits_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["sim", "serve", SCENARIO, "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"cannot listen on 127.0.0.1:{port}" in err and "\n" not in err


def test_env_file_in_a_missing_folder_exits_2(tmp_path, capsys):
    missing = tmp_path / "nope" / "accounts.env"
    assert main(["sim", "serve", SCENARIO, "--env-file", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
