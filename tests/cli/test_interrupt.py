"""Ctrl-C ends `check` at once even while its reads hang on an endpoint that accepts
connections and never answers (worker threads must not keep the process alive)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading

import pytest


@pytest.fixture
def silent_endpoint():
    """A loopback port that accepts connections and never answers them."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.close()
    for conn in held:
        conn.close()


def test_ctrl_c_stops_a_check_that_waits_on_a_silent_endpoint(silent_endpoint, tmp_path):
    url, accepted = silent_endpoint
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="AKIAEXAMPLEEXAMPLE12", AWS_SECRET_ACCESS_KEY="x",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(
                   tmp_path / "none"), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "labguide", "check", "compromised-iam-credentials",
         "--endpoint", url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert accepted.wait(60), "the check never connected"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)  # the reads alone would hang for a minute
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert "labguide: interrupted" in err and "Traceback" not in err
