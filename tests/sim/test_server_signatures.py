"""Seat isolation on a signature-checking SimServer (`sim serve`, `class serve`).

Every AWS request must be signed (SigV4) with the secret of a key in an account the
server holds; anything else gets the error AWS gives, in the called service's protocol
(AWS General Reference, "Signature Version 4 signing process" / "Troubleshoot signing
errors"; IAM API Reference, "Common Errors": IncompleteSignature, InvalidClientTokenId,
MissingAuthenticationToken, RequestExpired (15 minutes of skew), SignatureDoesNotMatch).
Per protocol (labguide.sim.aws_errors.AUTH_ERRORS cites each source): JSON and REST-JSON
services (SSM, CloudTrail: JSON 1.1; GuardDuty: REST-JSON) name an unknown key
UnrecognizedClientException and a bad or stale signature InvalidSignatureException
(DynamoDB's "Error handling" list; CloudWatch Logs' model has the UnrecognizedClientException
shape; boto3 issue 2065 shows GuardDuty's ListDetectors answering it), STS a stale one
SignatureDoesNotMatch "Signature expired: ... is now earlier than ...", EC2 an unknown key
AuthFailure ("Error codes for the Amazon EC2 API").
Forgeries: a neighbour's key id with one's own secret, an unknown key, no signature, a
malformed header, a stale date, a body changed after signing, a tampered presigned URL, a
session key without its token, AssumeRole into a neighbour's account. Admin routes are
closed without the token.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import subprocess
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from botocore.exceptions import ClientError

from labguide.sim.server import SimServer, random_credentials
from tests.sim.awscli import AWS_CLI

WORLD = "iam-credential-theft"
REGION = "us-west-2"
TOKEN = "instructor-token-for-tests"


@pytest.fixture(scope="module")
def served():
    server = SimServer(check_signatures=True, admin_token=TOKEN).start()
    worlds = [server.add_world(WORLD, {}, region=REGION, seed=seed,
                               learner=random_credentials()) for seed in (1, 2)]
    try:
        yield server, worlds
    finally:
        server.stop()


def _client(server, service, key_id, secret, token=None):
    return boto3.client(service, endpoint_url=server.endpoint_url, region_name=REGION,
                        aws_access_key_id=key_id, aws_secret_access_key=secret,
                        aws_session_token=token)


def _code(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def test_each_seat_signs_for_its_own_account_in_every_protocol(served):
    server, (one, two) = served
    for world in (one, two):
        creds = (world.learner.access_key_id, world.learner.secret_access_key)
        assert _client(server, "sts", *creds).get_caller_identity()["Account"] == \
            world.account_id
        assert _client(server, "guardduty", *creds).list_detectors()["DetectorIds"]
        assert "Reservations" in _client(server, "ec2", *creds).describe_instances()
        _client(server, "ssm", *creds).describe_instance_information()
        _client(server, "iam", *creds).list_roles()


# service, a call, (bad signature code, unknown key code, HTTP status of both)
PROTOCOLS = [
    ("sts", lambda c: c.get_caller_identity(),  # query
     ("SignatureDoesNotMatch", "InvalidClientTokenId", 403)),
    ("iam", lambda c: c.create_user(UserName="intruder"),  # query
     ("SignatureDoesNotMatch", "InvalidClientTokenId", 403)),
    ("guardduty", lambda c: c.list_detectors(),  # rest-json
     ("InvalidSignatureException", "UnrecognizedClientException", 403)),
    ("ssm", lambda c: c.describe_instance_information(),  # json 1.1
     ("InvalidSignatureException", "UnrecognizedClientException", 400)),
    ("cloudtrail", lambda c: c.lookup_events(MaxResults=1),  # json 1.1
     ("InvalidSignatureException", "UnrecognizedClientException", 400)),
    ("ec2", lambda c: c.describe_instances(),  # ec2 query
     ("SignatureDoesNotMatch", "AuthFailure", None)),
]


def _refusal(call):
    with pytest.raises(ClientError) as caught:
        call()
    return (caught.value.response["Error"]["Code"],
            caught.value.response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.mark.parametrize("service,call,codes", PROTOCOLS, ids=[p[0] for p in PROTOCOLS])
def test_a_neighbours_key_id_with_ones_own_secret_is_refused(served, service, call, codes):
    server, (one, two) = served
    forged = _client(server, service, two.learner.access_key_id, one.learner.secret_access_key)
    code, status = _refusal(lambda: call(forged))
    assert code == codes[0] and status == (codes[2] or 403)


@pytest.mark.parametrize("service,call,codes", PROTOCOLS, ids=[p[0] for p in PROTOCOLS])
def test_an_unknown_key_is_refused_not_served_by_motos_default_account(served, service, call,
                                                                        codes):
    server, _ = served
    unknown = _client(server, service, "AKIAIOSFODNN7EXAMPLE", "x" * 40)
    code, status = _refusal(lambda: call(unknown))
    assert code == codes[1] and status == (codes[2] or 401)


def _raw(server, method, path, body=b"", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_no_signature_and_a_malformed_one_get_aws_codes(served):
    server, (one, _) = served
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = _raw(server, "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15",
                           form)
    assert status == 403 and b"<Code>MissingAuthenticationToken</Code>" in body
    broken = dict(form, Authorization=f"AWS4-HMAC-SHA256 Credential={one.learner.access_key_id}"
                  "/20260101/us-west-2/sts/aws4_request", **{"X-Amz-Date": "20260101T000000Z"})
    status, _, body = _raw(server, "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15",
                           broken)
    assert status == 400 and b"<Code>IncompleteSignature</Code>" in body
    assert b"'Signature'" in body and b"'SignedHeaders'" in body
    v2 = dict(form, Authorization="AWS AKIAIOSFODNN7EXAMPLE:abc")
    status, _, body = _raw(server, "POST", "/", b"Action=ListUsers&Version=2010-05-08", v2)
    assert b"<Code>IncompleteSignature</Code>" in body


def _signed(server, world, service, body, headers, moment=None, secret=None):
    request = AWSRequest(method="POST", url=server.endpoint_url + "/", data=body,
                         headers=headers)
    credentials = BotoCredentials(world.learner.access_key_id,
                                  secret or world.learner.secret_access_key)
    moment = moment or datetime.now(UTC)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
        botocore.auth.SigV4Auth(credentials, service, REGION).add_auth(request)
    return dict(request.headers.items())


def test_a_stale_date_is_refused_but_ten_minutes_of_skew_is_allowed(served):
    server, (one, _) = served
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    for minutes, expected in ((-20, 403), (20, 403), (-10, 200), (10, 200)):
        moment = datetime.now(UTC) + timedelta(minutes=minutes)
        headers = _signed(server, one, "sts", body, form, moment)
        status, _, answer = _raw(server, "POST", "/", body, headers)
        assert status == expected, (minutes, answer)
        if expected == 403:  # as STS answers a stale signature
            assert b"<Code>SignatureDoesNotMatch</Code>" in answer
            assert b"Signature expired: " in answer if minutes < 0 else \
                b"Signature not yet current: " in answer


def test_a_stale_date_in_json_services_is_invalid_signature_exception(served):
    server, (one, _) = served
    stale = datetime.now(UTC) - timedelta(minutes=20)
    body = b"{}"
    headers = _signed(server, one, "ssm", body, {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonSSM.DescribeInstanceInformation"}, stale)
    status, _, answer = _raw(server, "POST", "/", body, headers)
    refused = json.loads(answer)
    assert status == 400 and refused["__type"] == "InvalidSignatureException"
    assert refused["message"].startswith("Signature expired: ")
    ec2_body = b"Action=DescribeVpcs&Version=2016-11-15"
    headers = _signed(server, one, "ec2", ec2_body, {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, stale)
    status, _, answer = _raw(server, "POST", "/", ec2_body, headers)
    assert status == 400 and b"<Code>RequestExpired</Code>" in answer


def test_a_body_changed_after_signing_is_refused(served):
    server, (one, _) = served
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    headers = _signed(server, one, "iam", b"Action=ListUsers&Version=2010-05-08", form)
    tampered = b"Action=CreateUser&UserName=evil&Version=2010-05-08"
    headers["Content-Length"] = str(len(tampered))
    status, _, answer = _raw(server, "POST", "/", tampered, headers)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in answer


def test_presigned_query_string_form_is_checked(served):
    server, (one, two) = served
    sts = _client(server, "sts", one.learner.access_key_id, one.learner.secret_access_key)
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    path = url[len(server.endpoint_url):]
    status, _, answer = _raw(server, "POST", path)  # signed for the operation's method
    assert status == 200 and one.account_id.encode() in answer
    forged = path.replace(one.learner.access_key_id, two.learner.access_key_id)
    status, _, answer = _raw(server, "POST", forged)
    assert status == 403 and b"SignatureDoesNotMatch" in answer
    with mock.patch.object(botocore.auth, "get_current_datetime",
                           return_value=datetime.now(UTC) - timedelta(minutes=5)):
        stale = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    status, _, answer = _raw(server, "POST", stale[len(server.endpoint_url):])
    assert status == 403 and b"RequestExpired" in answer


def test_session_credentials_sign_for_their_own_seat_only(served):
    server, (one, two) = served
    sts = _client(server, "sts", one.learner.access_key_id, one.learner.secret_access_key)
    role = f"arn:aws:iam::{one.account_id}:role/{one.truth.role_name}"
    session = sts.assume_role(RoleArn=role, RoleSessionName="mine")["Credentials"]
    own = _client(server, "sts", session["AccessKeyId"], session["SecretAccessKey"],
                  session["SessionToken"])
    assert own.get_caller_identity()["Account"] == one.account_id
    no_token = _client(server, "sts", session["AccessKeyId"], session["SecretAccessKey"])
    assert _code(no_token.get_caller_identity) == "InvalidClientTokenId"
    neighbour = f"arn:aws:iam::{two.account_id}:role/{two.truth.role_name}"
    assert _code(lambda: sts.assume_role(RoleArn=neighbour, RoleSessionName="theirs")) == \
        "AccessDenied"


def test_admin_routes_need_the_token_and_dangerous_ones_are_off(served):
    server, _ = served
    for method, path in (("GET", "/moto-api/labguide/worlds"),
                         ("POST", "/moto-api/labguide/clock/advance"),
                         ("GET", "/moto-api/labguide/attacker?account=1"),
                         ("GET", "/moto-api/"), ("GET", "/moto-api/seed?a=42")):
        status, _, _ = _raw(server, method, path)
        assert status in (401, 403), path
    for path in ("/moto-api/data.json", "/moto-api/reset", "/moto-api/reset-auth",
                 "/moto-api/recorder/download-recording", "/moto-api/recorder/start-recording",
                 "/moto-api/recorder/replay-recording", "/moto-api/recorder/upload-recording"):
        status, _, body = _raw(server, "POST", path,
                               headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 403 and b"turned off" in body, path
    status, _, body = _raw(server, "GET", "/moto-api/labguide/worlds",
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and b"secret" not in body.lower()
    status, _, _ = _raw(server, "GET", "/moto-api/labguide/worlds",
                        headers={"Authorization": "Bearer wrong"})
    assert status == 401


def test_a_body_over_the_cap_gets_a_413_in_aws_format(served):
    server, (one, _) = served
    body = b"Action=ListUsers&Version=2010-05-08&Pad=" + b"x" * (server.max_body + 1)
    status, headers, answer = _raw(server, "POST", "/", body,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and b"<Code>RequestEntityTooLarge</Code>" in answer
    small = _client(server, "iam", one.learner.access_key_id, one.learner.secret_access_key)
    assert small.list_users()["Users"]  # the server goes on


def test_a_request_moto_cannot_parse_is_one_log_line(served, caplog):
    server, (one, _) = served
    body = b"Action=DescribeInstances&Version=2016-11-15&MaxResults=notanumber"
    headers = _signed(server, one, "ec2", body,
                      {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    with caplog.at_level(logging.WARNING, logger="labguide.sim.server"):
        status, _, answer = _raw(server, "POST", "/", body, headers)
    assert status == 500 and b"<Code>InternalFailure</Code>" in answer
    lines = [r for r in caplog.records if r.name == "labguide.sim.server"]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "ValueError" in lines[0].getMessage() and "\n" not in lines[0].getMessage()


def _aws(server, world, *args, secret=None, key_id=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=server.endpoint_url, AWS_DEFAULT_REGION=REGION,
               AWS_ACCESS_KEY_ID=key_id or world.learner.access_key_id,
               AWS_SECRET_ACCESS_KEY=secret or world.learner.secret_access_key,
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="",
               AWS_MAX_ATTEMPTS="1")
    return subprocess.run([AWS_CLI, *args, "--output", "json"], env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_aws_cli_works_and_prints_aws_errors(served):
    server, (one, two) = served
    done = _aws(server, one, "sts", "get-caller-identity")
    assert done.returncode == 0 and json.loads(done.stdout)["Account"] == one.account_id
    for args, bad, unknown in (
            (("sts", "get-caller-identity"), "SignatureDoesNotMatch", "InvalidClientTokenId"),
            (("guardduty", "list-detectors"), "InvalidSignatureException",
             "UnrecognizedClientException"),
            (("ssm", "describe-instance-information"), "InvalidSignatureException",
             "UnrecognizedClientException"),
            (("ec2", "describe-vpcs"), "SignatureDoesNotMatch", "AuthFailure")):
        forged = _aws(server, two, *args, secret=one.learner.secret_access_key)
        assert forged.returncode != 0
        assert f"({bad})" in forged.stderr, (args, forged.stderr)
        stranger = _aws(server, two, *args, key_id="AKIAIOSFODNN7EXAMPLE")
        assert stranger.returncode != 0
        assert f"({unknown})" in stranger.stderr, (args, stranger.stderr)
