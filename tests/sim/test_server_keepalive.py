"""SimServer keeps connections alive across requests, and a stopped server answers nothing."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time

import pytest

from labguide.sim.server import SimServer


def _get(connection: http.client.HTTPConnection, path: str, body: bytes | None = None):
    connection.request("POST" if body is not None else "GET", path, body=body)
    response = connection.getresponse()
    return response, response.read()


def test_one_connection_carries_many_requests_until_the_server_stops():
    server = SimServer().start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        response, body = _get(connection, "/moto-api/labguide/health")
        assert response.status == 200 and json.loads(body)
        assert response.getheader("Connection") != "close"
        local_port = connection.sock.getsockname()[1]
        # a body the server reads up front, then the next request on the same socket
        response, _ = _get(connection, "/moto-api/labguide/clock/advance", b'{"seconds": 0}')
        response, body = _get(connection, "/moto-api/labguide/health")
        assert response.status == 200 and connection.sock.getsockname()[1] == local_port
    finally:
        server.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _get(connection, "/moto-api/labguide/health")
    connection.close()


def test_a_chunked_request_is_answered_and_its_connection_closed():
    with SimServer() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("POST", "/moto-api/labguide/clock/advance",
                           body=iter([b'{"seconds":', b" 0}"]), encode_chunked=True)
        response = connection.getresponse()
        response.read()
        assert response.getheader("Connection") == "close"
        connection.close()


def test_answers_are_not_held_back_by_nagles_algorithm():
    """Kept-alive answers written in several pieces must not wait for the client's ACK."""
    with SimServer() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        _get(connection, "/moto-api/labguide/health")
        (served,) = list(server._connections)
        assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        connection.close()


def test_an_idle_connection_expiring_logs_nothing(monkeypatch, caplog):
    from labguide.sim import server as server_module

    monkeypatch.setattr(server_module, "KEEP_ALIVE_IDLE_SECONDS", 0.2)
    with caplog.at_level(logging.INFO, logger="werkzeug"), SimServer() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        _get(connection, "/moto-api/labguide/health")
        deadline = time.monotonic() + 5
        while server._connections and time.monotonic() < deadline:
            time.sleep(0.05)
        connection.close()
    assert not server._connections
    assert "timed out" not in caplog.text
