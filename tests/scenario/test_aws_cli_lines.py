"""Runnable AWS CLI lines read into the same API calls the real AWS CLI makes from them:
each line is given to the AWS CLI itself (awscli's driver, in-process, stopped before
anything is sent) and the operation and parameters it would send are compared."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from labguide.scenario.aws_cli import CliLineError, logical_lines, parse_block, parse_command

LINES = [
    "aws ec2 stop-instances --instance-ids i-0abc i-0def",
    "aws ec2 create-network-acl-entry --network-acl-id acl-1 --ingress --rule-number 90 "
    "--protocol -1 --rule-action deny --cidr-block 203.0.113.9/32",
    "aws ec2 revoke-security-group-ingress --group-id sg-1 --protocol tcp --port 22 "
    "--cidr 0.0.0.0/0",
    "aws ec2 describe-instances --dry-run --filters "
    "'[{\"Name\":\"tag:Name\",\"Values\":[\"web\"]}]'",
    "aws guardduty create-filter --detector-id d1 --name stolen-key --action NOOP "
    "--finding-criteria '{\"Criterion\":{\"resource.accessKeyDetails.accessKeyId\":"
    "{\"Equals\":[\"ASIAXYZ\"]}}}'",
    "aws iam get-role-policy --role-name r --policy-name AWSRevokeOlderSessions",
    "aws logs filter-log-events --log-group-name /var/log/secure "
    "--filter-pattern '\"Accepted password\"' --query 'events[].message' --output text",
    "aws cloudtrail lookup-events --max-results 5 --lookup-attributes "
    "'[{\"AttributeKey\":\"AccessKeyId\",\"AttributeValue\":\"ASIAXYZ\"}]'",
]


class Sent(Exception):
    """Raised by the hook: the CLI built the call; nothing goes out."""


def create_clidriver():
    """The AWS CLI's own driver. tests/sim/awscli.py shadows the package when pytest has
    put tests/sim on sys.path (rootdir-less test folders): import past it."""
    sim_tests = os.path.realpath(Path(__file__).resolve().parents[1] / "sim")
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != sim_tests]
    try:
        shadow = sys.modules.get("awscli")
        if shadow is not None and not hasattr(shadow, "__path__"):
            del sys.modules["awscli"]
        from awscli.clidriver import create_clidriver as real
    finally:
        sys.path[:] = saved
    return real()


def cli_call(line: str) -> tuple[str, dict]:
    """(operation, params) the real AWS CLI builds from `line`."""
    seen: dict = {}

    def capture(params, model, **_):
        tokens = {name for name, member in model.input_shape.members.items()
                  if member.metadata.get("idempotencyToken")}
        # botocore fills an idempotency token itself, for the CLI and boto3 alike
        seen["operation"] = model.name
        seen["params"] = {k: v for k, v in params.items() if k not in tokens}
        raise Sent

    driver = create_clidriver()
    driver.session.register("before-parameter-build", capture)
    import shlex

    driver.main(shlex.split(line)[1:] + ["--region", "us-east-1"])
    return seen["operation"], seen["params"]


@pytest.fixture(autouse=True)
def _offline_credentials(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "x"),
                        ("AWS_CONFIG_FILE", os.devnull),
                        ("AWS_SHARED_CREDENTIALS_FILE", os.devnull)):
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("line", LINES)
def test_a_line_is_the_call_the_aws_cli_makes(line):
    (command,) = parse_block(line)
    operation, params = cli_call(line)
    assert (command.operation, command.params) == (operation, params)


def test_continuations_comments_and_waiters():
    code = ("# stop, then wait\naws ec2 stop-instances \\\n  --instance-ids i-1\n\n"
            "aws ec2 wait instance-stopped --instance-ids i-1\n")
    assert logical_lines(code) == [(2, "aws ec2 stop-instances --instance-ids i-1"),
                                   (5, "aws ec2 wait instance-stopped --instance-ids i-1")]
    stop, wait = parse_block(code)
    assert (stop.line, wait.line) == (2, 5)
    assert (wait.waiter, wait.operation, wait.params) == (
        "instance_stopped", "DescribeInstances", {"InstanceIds": ["i-1"]})


@pytest.mark.parametrize("line, why", [
    ("aws ec2 stop-instances", "missing --instance-ids"),
    ("aws ec2 stop-instances --instance-ids $ID", "'$' is shell syntax"),
    ('aws ec2 stop-instances --instance-ids "$(cat ids)"', "'$' is shell syntax"),
    ("aws ec2 describe-instances | jq .", "'|' is shell syntax"),
    ("aws ec2 describe-instances > out.json", "'>' is shell syntax"),
    ("aws ec2 describe-instances; rm -rf /", "';' is shell syntax"),
    ("echo aws ec2 describe-instances", "`aws` commands only"),
    ("aws s3 ls", "use `aws s3api"),
    ("aws ec2 describe-instances --profile admin", "--profile is not used"),
    ("aws ec2 describe-instances --endpoint-url http://evil", "--endpoint-url is not used"),
    ("aws ec2 describe-instances --output yaml", "--output yaml"),
    ("aws ec2 nothing-here", "ec2 has no operation 'nothing-here'"),
    ("aws nosuchservice describe", "unknown AWS service 'nosuchservice'"),
    ("aws ec2 wait instance-gone --instance-ids i-1", "no waiter 'instance-gone'"),
    ("aws ec2 describe-instances --max-results many", "Error parsing parameter"),
])
def test_what_is_not_a_plain_call_is_refused_with_the_reason(line, why):
    with pytest.raises(CliLineError) as refused:
        parse_command(line)
    assert why in refused.value.message


def test_single_quotes_keep_query_backticks_and_dollars():
    command = parse_command("aws ec2 describe-network-acls --query "
                            "'NetworkAcls[].Entries[?Egress==`false`].CidrBlock' "
                            "--output text --network-acl-ids 'acl-$1'")
    assert command.params == {"NetworkAclIds": ["acl-$1"]}
    assert command.options["query"].startswith("NetworkAcls[]")
