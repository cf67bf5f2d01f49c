"""A class server in this process: `open_class` on a temporary state folder."""

from __future__ import annotations

import http.client
import json

import boto3
import pytest

from labguide.classroom.serve import open_class
from labguide.scenario import load_scenario

SCENARIO = "compromised-iam-credentials"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(SCENARIO)


def serve(loaded, state_dir, seats=None, **kwargs):
    return open_class(loaded, state_dir, seats=seats, check_period=3600, **kwargs)


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
