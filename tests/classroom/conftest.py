"""A class server in this process: `open_class` on a temporary state folder."""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from labguide.classroom.serve import open_class
from labguide.scenario import load_scenario

SCENARIO = "compromised-iam-credentials"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(SCENARIO)


def serve(loaded, state_dir, seats=None, **kwargs):
    kwargs.setdefault("check_period", 3600)
    return open_class(loaded, state_dir, seats=seats, **kwargs)


def module_class(seats: int, folder: str = "class"):
    """A module-scoped fixture: a class of `seats` served for the module's tests."""

    @pytest.fixture(scope="module")
    def served_class(loaded, tmp_path_factory):
        served = serve(loaded, tmp_path_factory.mktemp(folder), seats=seats)
        try:
            yield served
        finally:
            served.stop()

    return served_class


def call(served, method, path, body=None, token=None):
    """(status, JSON answer) of one class API request."""
    connection = http.client.HTTPConnection("127.0.0.1", served.server.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body),
                           headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, data


def token_of(served) -> str:
    return served.token_file.read_text().strip()


def seat_client(joined: dict, service: str, secret: str | None = None):
    return boto3.client(service, endpoint_url=joined["endpoint_url"],
                        region_name=joined["region"],
                        aws_access_key_id=joined["access_key_id"],
                        aws_secret_access_key=secret or joined["secret_access_key"])


@contextlib.contextmanager
def class_process(env: dict, state_dir, seats: int, *extra: str):
    """`labguide class serve` as a real process: (URL, join codes) once it printed its
    seats; stopped with Ctrl-C (SIGINT) afterwards."""
    log_path = Path(state_dir).parent / "class-serve.log"  # a pipe nobody reads would fill
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "labguide", "class", "serve", SCENARIO, "--seats",
             str(seats), "--state", str(state_dir), *extra], env=env, stdout=subprocess.PIPE,
            stderr=log, text=True)
    lines = []
    try:
        for line in server.stdout:
            lines.append(line)
            if line.strip().startswith(f"seat {seats:>3}"):
                break
        if not any(line.startswith("class URL:") for line in lines):
            raise AssertionError("".join(lines) + log_path.read_text())
        url = next(line.split()[-1] for line in lines if line.startswith("class URL:"))
        codes = [line.split()[2] for line in lines if line.strip().startswith("seat ")]
        yield url, codes
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
