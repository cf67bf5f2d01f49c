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


# What CloudWatch Logs stamps on arrival (FilteredLogEvent / OutputLogEvent ingestionTime,
# "the time the event was ingested", and eventId:
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilteredLogEvent.html)
# is the world's: shipped at a moment of the world clock far from this machine's.
WORLD_NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def world_line(seconds, message):
    return syslog_line(WORLD_NOW + timedelta(seconds=seconds), "ip-10-0-0-15", "sshd", 2200,
                       message) + "\n"


def world_agent(files, seed):
    return LogAgent(ACCOUNT, REGION, [CollectedFile("/var/log/secure", GROUP, "i-0web")],
                    read=files.get, seed=seed)


def test_arrival_is_stamped_on_the_world_clock_after_the_line_was_written(logs):
    files = {"/var/log/secure": world_line(-40, "Failed password for root from A port 1 ssh2")
             + world_line(-7, "Accepted password for alice from A port 2 ssh2")}
    world_agent(files, seed=1).ship(WORLD_NOW)
    events = logs.filter_log_events(logGroupName=GROUP)["events"]
    shipped = int(WORLD_NOW.timestamp() * 1000)
    assert [e["ingestionTime"] for e in events] == [shipped, shipped]
    assert all(e["ingestionTime"] >= e["timestamp"] for e in events)  # arrival after writing
    stream = logs.describe_log_streams(logGroupName=GROUP)["logStreams"][0]
    assert stream["lastIngestionTime"] == shipped


def test_event_ids_come_from_the_seed_and_page_as_moto_pages_them(logs):
    files = {"/var/log/secure": "".join(world_line(-n, f"line {n}") for n in (30, 20, 10))}
    world_agent(files, seed=7).ship(WORLD_NOW)
    first = [e["eventId"] for e in logs.filter_log_events(logGroupName=GROUP)["events"]]
    assert len(set(first)) == 3 and all(len(i) == 56 and i.isdigit() for i in first)
    paged, token = [], None
    while True:  # nextToken names the last event by its id
        page = logs.filter_log_events(logGroupName=GROUP, limit=1,
                                      **({"nextToken": token} if token else {}))
        paged += [e["eventId"] for e in page["events"]]
        token = page.get("nextToken")
        if not token:
            break
    assert paged == first
    logs.delete_log_group(logGroupName=GROUP)
    world_agent(files, seed=7).ship(WORLD_NOW)  # the same world again: the same ids
    assert [e["eventId"] for e in logs.filter_log_events(logGroupName=GROUP)["events"]] == first
    logs.delete_log_group(logGroupName=GROUP)
    world_agent(files, seed=8).ship(WORLD_NOW)  # another seed: other ids
    assert not set(first) & {
        e["eventId"] for e in logs.filter_log_events(logGroupName=GROUP)["events"]}
