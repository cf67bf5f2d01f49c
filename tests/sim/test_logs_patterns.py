"""FilterLogEvents' filter patterns on unstructured events, through the Logs API, as the
CloudWatch Logs User Guide defines them ("Filter pattern syntax for metric filters,
subscription filters, filter log events, and Live Tail", section "Matching terms in
unstructured log events":
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
case-sensitive terms, all of them; `?` any of them; `-` none of them; exact phrases in
double quotes; `%regex%`; and InvalidParameterException for a bare term with other
characters than letters, digits and underscores ("Invalid character(s) in term"), as
AWS answers. Only accounts holding a world: elsewhere moto's behaviour stands."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from labguide.sim.clock import SimClock, register_account_clock
from labguide.sim.install import install_extensions

REGION = "ap-southeast-2"
ACCOUNT = "123456789012"  # moto's default account
GROUP = "/wksp/var/log/secure"
LINES = [
    "Dec  2 09:00:01 ip-10-0-0-15 sshd[2201]: Invalid user admin from 203.0.113.9 port 40001",
    "Dec  2 09:00:02 ip-10-0-0-15 sshd[2201]: Failed password for invalid user admin from "
    "203.0.113.9 port 40001 ssh2",
    "Dec  2 09:00:05 ip-10-0-0-15 sshd[2202]: Failed password for alice from 203.0.113.9 "
    "port 40002 ssh2",
    "Dec  2 09:00:09 ip-10-0-0-15 sshd[2203]: Accepted password for alice from 203.0.113.9 "
    "port 40003 ssh2",
    "Dec  2 09:05:00 ip-10-0-0-15 sshd[2300]: Accepted publickey for ec2-user from 10.0.0.5 "
    "port 50000 ssh2",
]
INVALID, FAILED_INVALID, FAILED_ALICE, ACCEPTED_ALICE, ACCEPTED_KEY = range(5)


@pytest.fixture
def logs():
    install_extensions()
    with mock_aws():
        client = boto3.client("logs", region_name=REGION, aws_access_key_id="AKIDTEST",
                              aws_secret_access_key="secret")
        client.create_log_group(logGroupName=GROUP)
        client.create_log_stream(logGroupName=GROUP, logStreamName="i-0web")
        start = int(datetime.now(UTC).timestamp() * 1000) - 60_000  # PutLogEvents: recent
        client.put_log_events(logGroupName=GROUP, logStreamName="i-0web", logEvents=[
            {"timestamp": start + n * 1000, "message": line} for n, line in enumerate(LINES)])
        yield client


def world(logs):
    register_account_clock(ACCOUNT, SimClock())  # the account now holds a world
    return logs


def found(logs, pattern):
    events = logs.filter_log_events(logGroupName=GROUP, filterPattern=pattern)["events"]
    return [LINES.index(event["message"]) for event in events]


@pytest.mark.parametrize(("pattern", "lines"), [
    ("Accepted", [ACCEPTED_ALICE, ACCEPTED_KEY]),
    ("accepted", []),  # case-sensitive
    ("Failed password", [FAILED_INVALID, FAILED_ALICE]),  # both terms
    ('"password for alice"', [FAILED_ALICE, ACCEPTED_ALICE]),  # one exact phrase
    ('"alice password"', []),
    ("?Accepted ?Invalid", [INVALID, ACCEPTED_ALICE, ACCEPTED_KEY]),  # either
    ("Failed -invalid", [FAILED_ALICE]),  # exclusion
    ('Accepted -"10.0.0.5"', [ACCEPTED_ALICE]),
    ('"203.0.113.9"', [INVALID, FAILED_INVALID, FAILED_ALICE, ACCEPTED_ALICE]),
    ("%Accepted [a-z]+ for alice%", [ACCEPTED_ALICE]),
    ("%^Dec  2 09:05%", [ACCEPTED_KEY]),
    ("", list(range(5))),
    ('""', list(range(5))),
])
def test_patterns_on_a_world_account(logs, pattern, lines):
    assert found(world(logs), pattern) == lines


@pytest.mark.parametrize(("pattern", "message"), [
    ("203.0.113.9", "Invalid character(s) in term '203.0.113.9'"),
    ("Accepted ec2-user", "Invalid character(s) in term 'ec2-user'"),
    ('"Accepted password', "unbalanced double quotes"),
    ("{ $.user = alice", "must end with '}'"),
    ("%(a%", "Invalid filter pattern"),
])
def test_what_aws_refuses_is_refused(logs, pattern, message):
    with pytest.raises(ClientError) as refused:
        found(world(logs), pattern)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert message in refused.value.response["Error"]["Message"]


def test_accounts_without_a_world_keep_motos_answers(logs):
    # moto matches every event for a pattern it does not parse: its own tests rely on it.
    assert found(logs, "?Accepted ?Invalid") == list(range(5))
    assert found(logs, "203.0.113.9") == list(range(5))
