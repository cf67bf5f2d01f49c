"""The embedded simulator's journal: what it records, and the replay that resumes a world."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from labguide.errors import UserError
from labguide.sim.embedded import changes_state, operation_name, start_embedded

EPOCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FILTER = {"Criterion": {"type": {"Eq": ["Recon:IAMUser/MaliciousIPCaller.Custom"]}}}
DENY_OLD = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Action": "*", "Resource": "*",
    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-03-01T09:30:00Z"}}}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def fixture_worlds(monkeypatch, fixture_world_factory):
    """build_world builds fixture worlds (the journal does not depend on the world's kind)."""
    import labguide.sim.worlds as worlds

    built = []

    def build_fixture(name, params, *, account_id, region, seed=0, epoch=None, clock=None):
        world = fixture_world_factory(seed=seed, epoch=epoch, account_id=account_id)
        built.append(world)
        return world

    monkeypatch.setattr(worlds, "build_world", build_fixture)
    return built


def _clients(sim):
    kwargs = dict(region_name=sim.world.region, endpoint_url=sim.endpoint_url,
                  aws_access_key_id=sim.world.learner.access_key_id,
                  aws_secret_access_key=sim.world.learner.secret_access_key)
    return boto3.client("iam", **kwargs), boto3.client("guardduty", **kwargs)


def test_record_then_replay_resumes_the_world(tmp_path, fixture_worlds):
    journal = tmp_path / "world.journal"
    sim = start_embedded("fixture", {"a": 1}, "ap-southeast-2", seed=3, epoch=EPOCH,
                         journal=journal, realtime=False)
    try:
        iam, gd = _clients(sim)
        iam.create_role(RoleName="wksp-role", AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName="wksp-role", PolicyName="AWSRevokeOlderSessions",
                            PolicyDocument=DENY_OLD)
        iam.get_role(RoleName="wksp-role")  # a read: not recorded
        with pytest.raises(iam.exceptions.NoSuchEntityException):  # failed: not recorded
            iam.delete_role_policy(RoleName="wksp-role", PolicyName="nope")
        sim.world.advance(300)
        detector = sim.world.truth.detector_id
        gd.create_filter(DetectorId=detector, Name="recon-only", FindingCriteria=FILTER)
        gd.list_filters(DetectorId=detector)
    finally:
        sim.stop()
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert lines[0]["kind"] == "world" and lines[0]["seed"] == 3
    assert lines[0]["epoch"] == "2026-03-01T09:00:00+00:00"
    assert [e["operation"] for e in lines[1:]] == ["CreateRole", "PutRolePolicy", "CreateFilter"]
    assert lines[3]["at"] >= "2026-03-01T09:05:00"
    assert sim.world.learner.secret_access_key not in journal.read_text()

    resumed = start_embedded("fixture", {"a": 1}, "ap-southeast-2", seed=99, epoch=None,
                             journal=journal, realtime=False)
    try:
        assert resumed.replayed == 3
        assert resumed.world.account_id == sim.world.account_id  # ids are seeded per account
        assert resumed.world.clock.now() >= datetime(2026, 3, 1, 9, 5, tzinfo=UTC)
        iam, gd = _clients(resumed)
        policy = iam.get_role_policy(RoleName="wksp-role", PolicyName="AWSRevokeOlderSessions")
        assert policy["PolicyDocument"]["Statement"][0]["Effect"] == "Deny"
        detector = resumed.world.truth.detector_id
        assert gd.list_filters(DetectorId=detector)["FilterNames"] == ["recon-only"]
        assert gd.get_filter(DetectorId=detector, FilterName="recon-only")[
            "FindingCriteria"] == FILTER
        iam.delete_role_policy(RoleName="wksp-role", PolicyName="AWSRevokeOlderSessions")
    finally:
        resumed.stop()
    operations = [json.loads(line).get("operation") for line in journal.read_text().splitlines()]
    assert operations[1:] == ["CreateRole", "PutRolePolicy", "CreateFilter", "DeleteRolePolicy"]


def test_a_journal_of_another_world_is_refused(tmp_path, fixture_worlds):
    journal = tmp_path / "other.journal"
    journal.write_text(json.dumps({"kind": "world", "world": "other", "region": "us-east-1",
                                   "seed": 0, "epoch": EPOCH.isoformat()}) + "\n")
    with pytest.raises(UserError, match="belongs to world 'other'"):
        start_embedded("fixture", {}, "ap-southeast-2", journal=journal, realtime=False)


def test_a_torn_last_line_is_dropped(tmp_path, fixture_worlds):
    journal = tmp_path / "torn.journal"
    journal.write_text(json.dumps({"kind": "world", "world": "fixture",
                                   "region": "ap-southeast-2", "seed": 0,
                                   "epoch": EPOCH.isoformat()}) + "\n" + '{"kind": "requ')
    sim = start_embedded("fixture", {}, "ap-southeast-2", journal=journal, realtime=False)
    try:
        assert sim.replayed == 0
    finally:
        sim.stop()


def test_operation_names_and_what_changes_state():
    sigv4 = ("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE000000001/20260301/ap-southeast-2/"
             "{}/aws4_request, SignedHeaders=host, Signature=abc")
    assert operation_name({"HTTP_X_AMZ_TARGET": "AmazonSSM.SendCommand"}, b"{}") == "SendCommand"
    assert operation_name({"QUERY_STRING": "Action=StopInstances&Version=2016-11-15"},
                          b"") == "StopInstances"
    form = {"CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8"}
    assert operation_name(form, b"Action=PutRolePolicy&RoleName=r") == "PutRolePolicy"
    rest = {"REQUEST_METHOD": "POST", "PATH_INFO": "/detector/abc/filter", "QUERY_STRING": "",
            "HTTP_AUTHORIZATION": sigv4.format("guardduty"), "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    assert operation_name(rest, b"{}") == "CreateFilter"
    assert operation_name({**rest, "REQUEST_METHOD": "GET"}, b"") == "ListFilters"
    assert operation_name({"PATH_INFO": "/"}, b"") is None
    assert changes_state("iam", "PutRolePolicy", "/")
    assert changes_state("ec2", "StartInstances", "/")
    assert changes_state("ssm", "SendCommand", "/")  # a change even when the command reads
    assert not changes_state("ec2", "DescribeInstances", "/")
    assert not changes_state("guardduty", "GetFindings", "/")
    assert not changes_state("guardduty", "ListFilters", "/")
    assert not changes_state("s3", "HeadObject", "/")
    assert not changes_state("cloudtrail", "LookupEvents", "/")
    assert changes_state(None, "DescribeInstances", "/")  # unsigned: not known to be a read
    assert not changes_state("sts", "Reset", "/moto-api/reset")
    assert not changes_state("iam", None, "/")


def test_a_rest_read_is_routed_once_per_path_and_a_write_every_time(monkeypatch):
    from labguide.sim import embedded

    sigv4 = ("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE000000001/20260301/ap-southeast-2/"
             "guardduty/aws4_request, SignedHeaders=host, Signature=abc")
    read = {"REQUEST_METHOD": "GET", "PATH_INFO": "/detector/memo/filter/f1",
            "QUERY_STRING": "", "HTTP_AUTHORIZATION": sigv4, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    assert operation_name(read, b"") == "GetFilter"
    routed = []
    real = embedded._router
    monkeypatch.setattr(embedded, "_router", lambda service: routed.append(service) or
                        real(service))
    assert operation_name(read, b"") == "GetFilter"
    assert routed == []  # the same read again: named from the memo
    assert operation_name({**read, "PATH_INFO": "/detector/memo/filter"}, b"") == "ListFilters"
    assert operation_name({**read, "REQUEST_METHOD": "POST", "PATH_INFO":
                           "/detector/memo/filter"}, b"{}") == "CreateFilter"
    assert operation_name({**read, "REQUEST_METHOD": "POST", "PATH_INFO":
                           "/detector/memo/filter"}, b"{}") == "CreateFilter"
    assert routed == ["guardduty"] * 3  # a new read path, and each write, routed


def test_a_request_answered_late_is_replayed_at_the_moment_moto_took_it(tmp_path):
    # On a loaded server the world's clock moves on between moto taking a request and the
    # journal seeing its answer (a restarted 300-seat class failed so: its StopInstances
    # was replayed at the later moment, and the StartInstances after it met an instance
    # still stopping). Here an observer ahead of the journal's moves the clock 30 s.
    journal = tmp_path / "world.journal"
    sim = start_embedded("iam-credential-theft", {}, "us-west-2", seed=3, epoch=EPOCH,
                         journal=journal, realtime=False)
    try:
        ec2 = boto3.client("ec2", region_name="us-west-2", endpoint_url=sim.endpoint_url,
                           aws_access_key_id=sim.world.learner.access_key_id,
                           aws_secret_access_key=sim.world.learner.secret_access_key)
        instance = next(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
                        for i in r["Instances"] if i["State"]["Name"] == "running")
        taken = sim.world.clock.now()

        def busy(environ, body, status):
            sim.world.advance(30)

        sim.server.observers.insert(0, busy)
        ec2.stop_instances(InstanceIds=[instance])
        sim.server.observers.remove(busy)
        ec2.start_instances(InstanceIds=[instance])  # stopped 10 s after moto took the stop
        entries = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
        stop = next(e for e in entries if e.get("operation") == "StopInstances")
        assert datetime.fromisoformat(stop["at"]) == taken
    finally:
        sim.stop()
    resumed = start_embedded("iam-credential-theft", {}, "us-west-2", seed=3, epoch=EPOCH,
                             journal=journal, realtime=False)  # without the moment: UserError
    try:
        ec2 = boto3.client("ec2", region_name="us-west-2", endpoint_url=resumed.endpoint_url,
                           aws_access_key_id=resumed.world.learner.access_key_id,
                           aws_secret_access_key=resumed.world.learner.secret_access_key)
        states = {i["InstanceId"]: i["State"]["Name"]
                  for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}
        assert states[instance] in ("pending", "running")
    finally:
        resumed.stop()
