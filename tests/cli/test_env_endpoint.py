"""AWS_ENDPOINT_URL from the environment silently replaced the embedded simulator (issue
11.7): now `run --help`, the status line and every error about the endpoint say so."""

from __future__ import annotations

import socket

import pytest

from labguide.cli import build_parser, main
from labguide.lab.connection import Connection, TargetSpec


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_help_and_labguide_help_say_it(capsys):
    for argv in (["run", "--help"], ["--help"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(argv)
        out = " ".join(capsys.readouterr().out.split())
        assert "AWS_ENDPOINT_URL in the environment means --endpoint" in out
        assert "--sim" in out
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    assert "With no command, `labguide` opens the app" in " ".join(
        capsys.readouterr().out.split())


def test_an_unreachable_endpoint_from_the_environment_says_where_it_came_from(
        monkeypatch, capsys):
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    assert main(["run", "compromised-iam-credentials"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err
    assert f"AWS_ENDPOINT_URL={url} from your environment; pass --sim" in err


def test_an_endpoint_given_on_the_command_line_has_no_such_note(monkeypatch, capsys):
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    assert main(["run", "compromised-iam-credentials", "--endpoint", url]) == 2
    assert "from your environment" not in capsys.readouterr().err


def test_the_status_line_label_names_the_environment():
    spec = TargetSpec(kind="endpoint", endpoint="http://127.0.0.1:9", endpoint_from_env=True)
    assert "from AWS_ENDPOINT_URL" in Connection(spec, "eu-west-1").label()
    plain = TargetSpec(kind="endpoint", endpoint="http://127.0.0.1:9")
    assert "AWS_ENDPOINT_URL" not in Connection(plain, "eu-west-1").label()
    assert plain.env_note() == ""
