"""SimServer keeps connections alive across requests without a thread each, and a stopped
server answers nothing."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

from labguide.sim.server import SERVER_THREADS, SimServer


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
        response, _ = _get(connection, "/moto-api/labguide/clock/advance", b'{"seconds": 0}')
        response, body = _get(connection, "/moto-api/labguide/health")
        assert response.status == 200 and connection.sock.getsockname()[1] == local_port
    finally:
        server.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _get(connection, "/moto-api/labguide/health")
    connection.close()


def test_a_chunked_request_is_answered_and_its_connection_kept():
    with SimServer() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("POST", "/moto-api/labguide/clock/advance",
                           body=iter([b'{"seconds":', b" 0}"]), encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["advanced_seconds"] == 0
        response, _ = _get(connection, "/moto-api/labguide/health")
        assert response.status == 200
        connection.close()


def test_answers_are_not_held_back_by_nagles_algorithm():
    """Kept-alive answers written in several pieces must not wait for the client's ACK."""
    with SimServer() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        _get(connection, "/moto-api/labguide/health")
        from waitress.channel import HTTPChannel

        (served,) = [c for c in server._server._map.values() if isinstance(c, HTTPChannel)]
        assert served.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        connection.close()


def test_held_connections_do_not_cost_a_thread_each():
    """Issue 9 item 7: werkzeug made one thread per held connection (1,103 for 1,100)."""
    with SimServer() as server:
        before = threading.active_count()
        held = []
        try:
            for _ in range(200):
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
                _get(connection, "/moto-api/labguide/health")
                held.append(connection)
            assert server.connections == 200
            assert threading.active_count() <= before + SERVER_THREADS
            response, _ = _get(held[0], "/moto-api/labguide/health")
            assert response.status == 200
        finally:
            for connection in held:
                connection.close()


def test_an_idle_connection_expires(monkeypatch):
    from labguide.sim import server as server_module

    monkeypatch.setattr(server_module, "KEEP_ALIVE_IDLE_SECONDS", 1)
    with SimServer() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        _get(connection, "/moto-api/labguide/health")
        assert server.connections == 1
        deadline = time.monotonic() + 10
        while server.connections and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.connections == 0
        connection.close()


def test_connections_past_descriptor_1023_are_served():
    """A class server holds over a thousand descriptors; select() refuses those past 1023
    and took the server's loop down with it (seen at 200 seats: listening, reading
    nothing). Descriptors up to ~1100 taken here first, so the server's sockets are past."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1300:
        pytest.skip(f"descriptor limit {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1300), hard))
    held = [open("/dev/null", "rb") for _ in range(1100)]  # noqa: SIM115 - held open on purpose
    server = SimServer().start()
    try:
        assert max(f.fileno() for f in held) > 1024
        for _ in range(3):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            response, body = _get(connection, "/moto-api/labguide/health")
            assert response.status == 200 and json.loads(body)
            connection.close()
        assert server._thread.is_alive()
    finally:
        server.stop()
        for f in held:
            f.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
