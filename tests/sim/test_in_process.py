"""Requests handed to a SimServer in process (the class server's own checks) are answered
as over loopback: same protocols, same signature checks, same observers, and no socket."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from labguide.sim.in_process import InProcess
from tests.sim.test_server_signatures import REGION
from tests.sim.test_server_signatures import served as served  # noqa: F401 - the fixture


def _client(server, service, key_id, secret, *, in_process=True):
    client = boto3.client(service, endpoint_url=server.endpoint_url, region_name=REGION,
                          aws_access_key_id=key_id, aws_secret_access_key=secret)
    if in_process:
        client.meta.events.register("before-send.*.*", InProcess(server))
    return client


def _keys(world):
    return world.learner.access_key_id, world.learner.secret_access_key


# one call per protocol the checks use: query (sts, iam), ec2, json 1.1 (ssm), rest-json
CALLS = [
    ("sts", lambda c: c.get_caller_identity()["Account"]),
    ("iam", lambda c: sorted(r["RoleName"] for r in c.list_roles()["Roles"])),
    ("ec2", lambda c: sorted(i["InstanceId"] for r in c.describe_instances()["Reservations"]
                             for i in r["Instances"])),
    ("ssm", lambda c: len(c.describe_instance_information()["InstanceInformationList"])),
    ("guardduty", lambda c: c.list_detectors()["DetectorIds"]),
]


@pytest.mark.parametrize(("service", "read"), CALLS, ids=[s for s, _ in CALLS])
def test_answers_are_those_of_loopback(served, service, read):
    server, (one, _) = served
    http_client = _client(server, service, *_keys(one), in_process=False)
    over_http = read(http_client)
    before = server.connections  # the HTTP client's, kept alive while it is referenced
    handed_over = _client(server, service, *_keys(one))
    assert read(handed_over) == over_http
    assert server.connections <= before  # no socket was opened (checked while it lives)
    http_client.close()


def test_a_forgery_is_refused_in_process_too(served):
    server, (one, two) = served
    # a neighbour's key id with one's own secret: refused as over HTTP, in the protocol
    for service, code in (("sts", "SignatureDoesNotMatch"), ("ec2", "SignatureDoesNotMatch"),
                          ("guardduty", "InvalidSignatureException")):
        client = _client(server, service, two.learner.access_key_id,
                         one.learner.secret_access_key)
        call = {"sts": "get_caller_identity", "ec2": "describe_instances",
                "guardduty": "list_detectors"}[service]
        with pytest.raises(ClientError) as caught:
            getattr(client, call)()
        assert caught.value.response["Error"]["Code"] == code


def test_observers_see_in_process_writes(served):
    server, (one, _) = served
    seen = []
    observer = lambda environ, body, status: seen.append(  # noqa: E731
        (environ["REQUEST_METHOD"], environ["HTTP_HOST"], status))
    server.observers.append(observer)
    try:
        _client(server, "iam", *_keys(one)).create_user(UserName="in-process-user")
    finally:
        server.observers.remove(observer)
    host = server.endpoint_url.split("//", 1)[1]
    assert seen == [("POST", host, 200)]
    names = [u["UserName"] for u in _client(server, "iam", *_keys(one),
                                            in_process=False).list_users()["Users"]]
    assert "in-process-user" in names


def test_prepare_runs_before_the_server_reads_the_request(served):
    server, (one, _) = served
    headers = []
    observer = lambda environ, body, status: headers.append(  # noqa: E731
        environ.get("HTTP_X_LABGUIDE_TEST"))
    server.observers.append(observer)
    try:
        client = _client(server, "sts", *_keys(one), in_process=False)
        client.meta.events.register("before-send.*.*", InProcess(
            server, lambda request: request.headers.__setitem__("X-Labguide-Test", "yes")))
        client.get_caller_identity()
    finally:
        server.observers.remove(observer)
    assert headers == ["yes"]
