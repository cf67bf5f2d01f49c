"""The timeline's line for a seat's write: rebuilt from requests botocore itself signed and
serialized (query, ec2, json, rest-json, rest-xml), with no secret on it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import boto3
import pytest
from botocore import xform_name
from botocore.awsrequest import AWSResponse

from labguide.classroom.write_events import write_event

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def sent(service: str, method: str, **params) -> tuple[str, str, dict, bytes]:
    """(signing name, operation, WSGI environ, body) of the request boto3 would send."""
    captured = []

    class _Raw:
        def stream(self, **_kw):
            yield b""

    def grab(request, **_kw):
        captured.append(request)
        return AWSResponse(request.url, 500, {}, _Raw())

    client = boto3.client(service, region_name="ap-southeast-2",
                          endpoint_url="http://127.0.0.1:1",
                          aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key=SECRET)
    client.meta.events.register("before-send.*.*", grab)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the 500 we answered
        getattr(client, method)(**params)
    request = captured[0]
    url = urlsplit(request.url)
    environ = {"PATH_INFO": url.path, "QUERY_STRING": url.query,
               "REQUEST_METHOD": request.method}
    content_type = request.headers.get("Content-Type")
    if content_type:
        environ["CONTENT_TYPE"] = content_type.decode() if isinstance(content_type, bytes) \
            else content_type
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    model = client.meta.service_model
    operation = next(o for o in model.operation_names if xform_name(o) == method)
    return model.signing_name, operation, environ, body


def line(service: str, method: str, **params) -> str:
    return write_event(*sent(service, method, **params))["cli"]


def test_query_protocol_with_a_long_policy_cut():
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}}}]})
    cli = line("iam", "put_role_policy", RoleName="web-role", PolicyName="deny-old",
               PolicyDocument=policy)
    assert cli.startswith("aws iam put-role-policy --role-name web-role "
                          "--policy-name deny-old --policy-document '")
    assert cli.endswith("…") and "aws:TokenIssueTime" not in cli


def test_ec2_lists_and_rest_json_paths_and_wire_names():
    assert line("ec2", "stop_instances", InstanceIds=["i-0abc", "i-0def"]) == \
        "aws ec2 stop-instances --instance-ids i-0abc i-0def"
    cli = line("guardduty", "create_filter", DetectorId="d123", Name="stolen-key",
               Action="ARCHIVE", FindingCriteria={"Criterion": {"type": {"Eq": ["X"]}}})
    assert cli.startswith("aws guardduty create-filter --detector-id d123 --name stolen-key "
                          "--action ARCHIVE --finding-criteria ")
    assert '"Criterion"' in cli and '"Eq"' in cli  # the model's names, as the CLI takes them
    assert "--client-token" not in cli  # botocore's idempotency token is not the learner's
    assert line("s3", "delete_bucket", Bucket="logs-bucket") == \
        "aws s3api delete-bucket --bucket logs-bucket"


def test_secrets_never_on_the_line():
    cli = line("iam", "create_login_profile", UserName="bob", Password="Sup3rSecret!")
    assert "Sup3rSecret" not in cli and "--password ****" in cli
    cli = line("ssm", "put_parameter", Name="/app/db", Value="hunter2", Type="SecureString")
    assert "hunter2" not in cli and "--value ****" in cli
    # SSM marks a command's parameters sensitive: the timeline says a command was sent
    cli = line("ssm", "send_command", InstanceIds=["i-1"], DocumentName="AWS-RunShellScript",
               Parameters={"commands": [f"export AWS_SECRET_ACCESS_KEY={SECRET}"]})
    assert SECRET not in cli and "--parameters ****" in cli
    # a secret pasted into a plain field is still masked (the log masker)
    cli = line("guardduty", "create_filter", DetectorId="d1", Name="filter-1", Action="NOOP",
               Description=SECRET, FindingCriteria={"Criterion": {"type": {"Eq": ["X"]}}})
    assert SECRET not in cli and "--description ****" in cli
    cli = line("iam", "update_access_key", UserName="bob", AccessKeyId="AKIAIOSFODNN7EXAMPLE",
               Status="Inactive")
    assert "AKIAIOSFODNN7EXAMPLE" not in cli and "AKIA…MPLE" in cli


def test_what_cannot_be_modelled_is_the_operation_alone():
    assert write_event("nosuchservice", "DoThing", {}, b"")["cli"] == \
        "aws nosuchservice do-thing"
    assert write_event("iam", "PutRolePolicy", {"CONTENT_TYPE": "text/plain"}, b"\xff") \
        ["cli"] == "aws iam put-role-policy"
