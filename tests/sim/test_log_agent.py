"""The CloudWatch agent ships new lines of a file; read back through the real Logs API
(FilterLogEvents, GetLogEvents), as a learner reads them with the AWS CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from labguide.sim.log_agent import CollectedFile, LogAgent
from labguide.sim.sshd.authlog import syslog_line

REGION = "ap-southeast-2"
ACCOUNT = "123456789012"
NOW = datetime.now(UTC).replace(microsecond=0)
GROUP = "/threat-detection-wksp/var/log/secure"


@pytest.fixture
def logs():
    with mock_aws():
        yield boto3.client("logs", region_name=REGION, aws_access_key_id="AKIDTEST",
                           aws_secret_access_key="secret")


def line(seconds, message):
    return syslog_line(NOW + timedelta(seconds=seconds), "ip-10-0-0-15", "sshd", 2200,
                       message) + "\n"


def agent(files):
    return LogAgent(ACCOUNT, REGION, [CollectedFile("/var/log/secure", GROUP, "i-0web")],
                    read=files.get)


def test_ships_new_complete_lines_once(logs):
    files = {"/var/log/secure": line(-60, "Failed password for invalid user admin from A port "
                                          "1 ssh2") + "partial line without newline"}
    shipper = agent(files)
    assert shipper.ship(NOW) == 1
    assert shipper.ship(NOW) == 0  # nothing new
    files["/var/log/secure"] = files["/var/log/secure"] + " ends here\n" + line(
        -30, "Accepted password for alice from A port 2 ssh2")
    assert shipper.ship(NOW) == 2
    events = logs.get_log_events(logGroupName=GROUP, logStreamName="i-0web",
                                 startFromHead=True)["events"]
    assert [e["message"] for e in events] == [
        files["/var/log/secure"].splitlines()[0],
        "partial line without newline ends here",  # shipped once whole, at shipping time
        files["/var/log/secure"].splitlines()[2]]
    assert events[0]["timestamp"] == int((NOW - timedelta(seconds=60)).timestamp() * 1000)


def test_filter_log_events_finds_the_accepted_line(logs):
    files = {"/var/log/secure": line(-9, "Failed password for alice from A port 1 ssh2")
             + line(-5, "Accepted password for alice from A port 2 ssh2")}
    agent(files).ship(NOW)
    found = logs.filter_log_events(logGroupName=GROUP,
                                   filterPattern='"Accepted password"')["events"]
    assert len(found) == 1 and "Accepted password for alice" in found[0]["message"]
    assert found[0]["logStreamName"] == "i-0web"


def test_creates_group_and_stream_and_reads_a_rotated_file_from_the_start(logs):
    files = {"/var/log/secure": line(-9, "one") + line(-8, "two")}
    shipper = agent(files)
    shipper.ship(NOW)
    files["/var/log/secure"] = line(-1, "after rotation")
    assert shipper.ship(NOW) == 1
    assert logs.describe_log_streams(logGroupName=GROUP)["logStreams"][0][
        "logStreamName"] == "i-0web"


def test_lines_older_than_14_days_are_refused(logs):
    old = syslog_line(NOW - timedelta(days=20), "h", "sshd", 1, "too old") + "\n"
    assert agent({"/var/log/secure": old + line(0, "fresh")}).ship(NOW) == 1
