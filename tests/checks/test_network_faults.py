"""Network faults against real loopback servers: an endpoint that drips its answer is
given up on at the call's deadline, and a 200 cut mid-body is an `error` naming the
endpoint, never a false `failed`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from labguide.target import AwsCallFailed, Target

CREDS = type("C", (), {"access_key_id": "AKIAEXAMPLEEXAMPLE12", "secret_access_key": "x"})()
DETECTORS = json.dumps({"detectorIds": ["abc123"]}).encode()


@contextmanager
def loopback(answer) -> Iterator[str]:
    """A TCP server on 127.0.0.1; `answer(conn)` writes whatever it likes per request."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                answer(conn, stop)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def drip(conn: socket.socket, stop: threading.Event) -> None:
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(DETECTORS))
    for byte in head + DETECTORS:
        if stop.wait(0.5):  # a byte every half second: each read well within read_timeout
            return
        conn.sendall(bytes([byte]))


def cut(conn: socket.socket, stop: threading.Event) -> None:
    """A 200 whose body stops half way (the length it announces is never reached)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(DETECTORS) + DETECTORS[:10])


def garbled(conn: socket.socket, stop: threading.Event) -> None:
    """A whole 200 whose body is not JSON at all (botocore took it as an empty answer)."""
    body = b"<html>proxy says hello"
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                 b"\r\n%s" % (len(body), body))


def whole(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                 b"\r\n%s" % (len(DETECTORS), DETECTORS))


def test_a_dripping_endpoint_is_given_up_on_at_the_deadline(monkeypatch):
    monkeypatch.setattr(Target, "call_deadline", property(lambda self: 2.0))
    with loopback(drip) as url:
        made = Target.for_simulator(url, CREDS, "eu-west-1")
        started = time.monotonic()
        with pytest.raises(AwsCallFailed) as failure:
            made.call("guardduty", "ListDetectors")
        assert failure.value.code == "DeadlineExceeded"
        assert url in failure.value.reason and "guardduty:ListDetectors" in failure.value.reason
        # (not a timing assertion on the product: a bound so the test itself cannot hang)
        assert time.monotonic() - started < 60


def drip_connect(conn: socket.socket, stop: threading.Event) -> None:
    """A proxy that answers CONNECT a byte every half second and never opens the tunnel."""
    reply = b"HTTP/1.1 200 Connection established\r\nX-Slow: " + b"x" * 400
    for byte in reply:
        if stop.wait(0.5):
            return
        conn.sendall(bytes([byte]))


def _through_proxy(monkeypatch, variable: str, proxy: str) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY",
                 "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, proxy)


@pytest.mark.parametrize("variable, endpoint, answer", [
    ("HTTP_PROXY", "http://guardduty.example.test", drip),
    ("HTTPS_PROXY", "https://guardduty.example.test", drip_connect),
], ids=["http-through-proxy", "https-connect-tunnel"])
def test_a_slow_proxy_is_given_up_on_at_the_deadline(monkeypatch, variable, endpoint, answer):
    """The deadline covers connections made through a proxy from the environment: botocore
    gives a proxy its own urllib3 ProxyManager, whose connections were not tracked, so a
    proxy dripping its answer held the call for as long as it liked."""
    monkeypatch.setattr(Target, "call_deadline", property(lambda self: 2.0))
    with loopback(answer) as proxy:
        _through_proxy(monkeypatch, variable, proxy)
        made = Target.for_simulator(endpoint, CREDS, "eu-west-1")
        started = time.monotonic()
        with pytest.raises(AwsCallFailed) as failure:
            made.call("guardduty", "ListDetectors")
        assert failure.value.code == "DeadlineExceeded", failure.value.reason
        assert endpoint in failure.value.reason
        # (not a timing assertion on the product: a bound so the test itself cannot hang)
        assert time.monotonic() - started < 100


def test_a_proxy_that_answers_at_once_is_used(monkeypatch):
    """Negative control: the same proxy set-up answering whole, so the call goes through
    the proxy (the endpoint's name does not resolve: only the proxy can answer it)."""
    monkeypatch.setattr(Target, "call_deadline", property(lambda self: 2.0))
    with loopback(whole) as proxy:
        _through_proxy(monkeypatch, "HTTP_PROXY", proxy)
        made = Target.for_simulator("http://guardduty.example.test", CREDS, "eu-west-1")
        assert made.call("guardduty", "ListDetectors")["DetectorIds"] == ["abc123"]


def test_a_whole_answer_within_the_deadline_is_read(monkeypatch):
    """Negative control: the same server answering at once."""
    monkeypatch.setattr(Target, "call_deadline", property(lambda self: 2.0))
    with loopback(whole) as url:
        made = Target.for_simulator(url, CREDS, "eu-west-1")
        assert made.call("guardduty", "ListDetectors")["DetectorIds"] == ["abc123"]


@pytest.mark.parametrize("answer", [cut, garbled], ids=["cut", "garbled"])
def test_a_broken_200_is_an_error_naming_the_endpoint(answer):
    with loopback(answer) as url:
        made = Target.for_simulator(url, CREDS, "eu-west-1")
        with pytest.raises(AwsCallFailed) as failure:
            made.call("guardduty", "ListDetectors")
        assert url in failure.value.reason, failure.value.reason


def test_check_endpoint_on_a_cut_answer_says_error_not_failed(tmp_path):
    """The whole CLI, as a process: `check --json` on an endpoint whose 200s are cut."""
    with loopback(cut) as url:
        env = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12", "AWS_SECRET_ACCESS_KEY": "x",
               "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        import os

        env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
        done = subprocess.run([sys.executable, "-m", "labguide", "check",
                               "compromised-iam-credentials", "--step", "filter-key", "--json",
                               "--endpoint", url], env=env, capture_output=True, text=True,
                              timeout=120)
    report = json.loads(done.stdout)
    (check,) = report["steps"][0]["checks"]
    assert check["status"] == "error", check
    assert url in check["summary"] and "not enabled" not in check["summary"]
