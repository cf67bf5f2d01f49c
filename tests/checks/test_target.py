"""Targets: credentials and regions from the right places, one client per service,
and every AWS failure explained with its cause and what to grant or set."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber

from labguide.errors import UserError
from labguide.target import AwsCallFailed, Credentials, Target, explain_failure, mask_key

CREDS = Credentials("AKIAEXAMPLEEXAMPLE12", "secret-never-shown")


def sim_target(endpoint="http://127.0.0.1:9") -> Target:
    return Target.for_simulator(endpoint, CREDS, "ap-southeast-2")


def test_missing_credentials_name_what_to_set():
    with pytest.raises(UserError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
        Target.for_aws(region="eu-west-1")
    with pytest.raises(UserError, match="AWS_ACCESS_KEY_ID"):
        Target.for_endpoint("http://127.0.0.1:9", region=None, default_region="eu-west-1")


def test_missing_region_and_profile_and_bad_url_are_user_errors(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    with pytest.raises(UserError, match="--region or set AWS_DEFAULT_REGION"):
        Target.for_aws(region=None)
    with pytest.raises(UserError, match="profile 'nope' not found"):
        Target.for_aws(region="eu-west-1", profile="nope")
    with pytest.raises(UserError, match="not an http"):
        Target.for_endpoint("ftp://x", region="eu-west-1")
    target = Target.for_endpoint("http://127.0.0.1:9", region=None, default_region="eu-west-1")
    assert target.region == "eu-west-1" and not target.is_real_account
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    assert Target.for_aws(region=None).region == "us-east-2"
    assert Target.for_aws(region="eu-west-1").is_real_account


def test_clients_are_made_once_even_from_many_threads():
    target = sim_target()
    made: list[object] = []
    threads = [threading.Thread(target=lambda: made.append(target.client("iam")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in made}) == 1
    config = made[0].meta.config
    assert config.retries["mode"] == "adaptive" and config.connect_timeout <= 5


def test_describe_has_no_secrets():
    target = sim_target()
    text = repr(target) + str(target.describe())
    assert "secret-never-shown" not in text
    assert target.describe() == {"kind": "sim", "region": "ap-southeast-2",
                                 "endpoint_url": "http://127.0.0.1:9"}


def test_mask_key():
    assert mask_key("ASIAABCDEFGHIJKLQ3XZ") == "ASIA…Q3XZ"


def stubbed(target: Target, service: str, operation: str, code: str, message: str = "no"):
    stub = Stubber(target.client(service))
    stub.add_client_error(operation, service_error_code=code, service_message=message,
                          http_status_code=400)
    stub.activate()
    return stub


@pytest.mark.parametrize(("code", "needle"), [
    ("AccessDeniedException", "AccessDeniedException on guardduty:ListFilters: grant "
                              "guardduty:ListFilters"),
    ("ExpiredTokenException", "expired or invalid"),
    ("UnrecognizedClientException", "expired or invalid"),
    ("InvalidSignatureException", "expired or invalid"),  # JSON services' bad signature
    ("ThrottlingException", "throttled on guardduty:ListFilters"),
    ("BadRequestException", "BadRequestException on guardduty:ListFilters: no"),
])
def test_client_errors_are_explained(code, needle):
    target = sim_target()
    stubbed(target, "guardduty", "list_filters", code)
    with pytest.raises(AwsCallFailed) as failure:
        target.call("guardduty", "ListFilters", DetectorId="d1")
    assert needle in failure.value.reason
    assert failure.value.code == code


def test_iam_access_denied_names_the_iam_action():
    target = sim_target()
    stubbed(target, "iam", "list_role_policies", "AccessDenied")
    with pytest.raises(AwsCallFailed, match="grant iam:ListRolePolicies"):
        target.call("iam", "ListRolePolicies", RoleName="r")


def test_an_unreachable_endpoint_is_named():
    target = Target.for_simulator("http://127.0.0.1:9", CREDS, "ap-southeast-2")
    with pytest.raises(AwsCallFailed, match="cannot reach http://127.0.0.1:9"):
        target.call("sts", "GetCallerIdentity")


def test_no_credentials_and_connection_errors_map_without_a_network():
    reason = explain_failure(NoCredentialsError(), "ec2", "DescribeInstances").reason
    assert "AWS_ACCESS_KEY_ID" in reason
    reason = explain_failure(EndpointConnectionError(endpoint_url="http://x"), "ssm",
                             "SendCommand", "http://x").reason
    assert reason.startswith("cannot reach http://x for ssm:SendCommand")


def test_aws_ignores_a_configured_endpoint_and_endpoint_uses_its_own(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    real = Target.for_aws(region="eu-west-1")
    assert real.client("iam").meta.endpoint_url.startswith("https://iam.amazonaws.com")
    assert real.client("ec2").meta.endpoint_url == "https://ec2.eu-west-1.amazonaws.com"
    local = Target.for_endpoint("http://127.0.0.1:5000", region="eu-west-1")
    assert local.client("ec2").meta.endpoint_url == "http://127.0.0.1:5000"
    assert Target.for_endpoint("https://ec2.eu-west-1.amazonaws.com",
                               region="eu-west-1").is_real_account


def test_an_endpoint_on_aws_itself_is_a_real_account_and_read_only_by_default(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    for url in ("https://ec2.eu-west-1.amazonaws.com", "https://iam.amazonaws.com",
                "https://ec2.cn-north-1.amazonaws.com.cn"):
        real = Target.for_endpoint(url, region="eu-west-1")
        assert real.is_real_account and not real.allow_changes
        assert Target.for_endpoint(url, region="eu-west-1", allow_changes=True).allow_changes
    local = Target.for_endpoint("http://127.0.0.1:5000", region="eu-west-1")
    assert not local.is_real_account and local.allow_changes
    assert not Target.for_endpoint("http://notamazonaws.com:80", region="eu-west-1"
                                   ).is_real_account
