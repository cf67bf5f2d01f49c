"""SimServer keeps connections alive across requests, and a stopped server answers nothing."""

from __future__ import annotations

import http.client
import json

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
