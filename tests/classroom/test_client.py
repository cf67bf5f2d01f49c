"""The class API client over real HTTP on loopback: answers, refusals, a server gone."""

from __future__ import annotations

import pytest

from labguide.classroom.client import ClassApiError, ClassClient, ClassUnreachable
from labguide.errors import UserError
from tests.dashboard.recorded import RecordedClass


@pytest.fixture
def recorded():
    server = RecordedClass()
    yield server
    server.close()


def test_status_and_posts(recorded):
    client = ClassClient(recorded.url, recorded.token)
    assert client.status()["scenario"] == "compromised-iam-credentials"
    client.message("stand up", seat=3)
    client.message("everyone: break")
    client.reset(2, "revoke-sessions")
    client.attackers(True)
    assert recorded.posts == [
        ("/class/message", {"text": "stand up", "seat": 3}),
        ("/class/message", {"text": "everyone: break"}),
        ("/class/reset", {"seat": 2, "step": "revoke-sessions"}),
        ("/class/attackers", {"paused": True}),
    ]


def test_refused_token_is_a_clear_error_without_the_token(recorded):
    client = ClassClient(recorded.url, "not-the-token")
    with pytest.raises(ClassApiError) as caught:
        client.status()
    assert caught.value.status == 401
    assert "instructor token required" in str(caught.value)
    assert "not-the-token" not in str(caught.value)
    assert isinstance(caught.value, UserError)  # the CLI maps it to exit code 2


def test_server_gone_then_back(recorded):
    client = ClassClient(recorded.url, recorded.token)
    client.status()
    port = int(recorded.url.rsplit(":", 1)[1])
    recorded.close()
    with pytest.raises(ClassUnreachable) as caught:
        client.status()
    assert recorded.url in str(caught.value)
    # A new server on the same port: the client reconnects by itself.
    again = RecordedClass.on_port(port)
    try:
        assert client.status()["seats"]
    finally:
        again.close()


def test_not_a_url():
    with pytest.raises(UserError, match="not a class URL"):
        ClassClient("localhost:8080", "t")
