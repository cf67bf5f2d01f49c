"""The instructor's read-only view of a seat's account: boto3 calls answered through the
class API's read route, parsed by botocore; anything but a read is refused."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError

from labguide.classroom.seat_reads import ReadRefused, answer_read, seat_target
from labguide.scenario import load_scenario
from labguide.sim.server import SimServer
from labguide.target import Target

SCENARIO = "compromised-iam-credentials"


@pytest.fixture(scope="module")
def seat_account():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    scenario = load_scenario(SCENARIO).scenario
    server = SimServer().start()
    world = server.add_world(scenario.world.name, dict(scenario.world.params),
                             region=scenario.region, seed=7)
    target = Target.for_simulator(server.endpoint_url, world.learner, scenario.region)
    yield target, scenario.region
    server.stop()


class InProcessClassApi:
    """The class API's /class/aws route without HTTP: what the server would answer."""

    url = "http://127.0.0.1:1"

    def __init__(self, target):
        self.target, self.calls = target, []

    def aws(self, seat, service, operation, params):
        self.calls.append((seat, service, operation))
        return answer_read(self.target, service, operation, params)


def test_reads_come_back_as_boto3_would_give_them(seat_account):
    target, region = seat_account
    api = InProcessClassApi(target)
    view = seat_target(api, 3, region)
    direct = target.client("guardduty").list_detectors()["DetectorIds"]
    assert view.client("guardduty").list_detectors()["DetectorIds"] == direct
    findings = view.client("guardduty").list_findings(DetectorId=direct[0])["FindingIds"]
    assert findings
    got = view.client("guardduty").get_findings(DetectorId=direct[0], FindingIds=findings[:1])
    assert got["Findings"][0]["Id"] == findings[0]
    # Timestamps are datetimes, as botocore parses them (query protocol too).
    instances = view.client("ec2").describe_instances()["Reservations"][0]["Instances"]
    assert hasattr(instances[0]["LaunchTime"], "tzinfo")
    pages = list(view.client("iam").get_paginator("list_roles").paginate())
    assert any(r["RoleName"] for p in pages for r in p["Roles"])
    assert [c[0] for c in api.calls] == [3] * len(api.calls)


def test_an_aws_error_is_the_same_error(seat_account):
    target, region = seat_account
    view = seat_target(InProcessClassApi(target), 1, region)
    with pytest.raises(ClientError) as caught:
        view.client("iam").get_role(RoleName="no-such-role")
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"


@pytest.mark.parametrize("service, operation, params", [
    ("iam", "PutRolePolicy", {"RoleName": "x", "PolicyName": "p", "PolicyDocument": "{}"}),
    ("ssm", "SendCommand", {"InstanceIds": ["i-1"], "DocumentName": "AWS-RunShellScript"}),
    ("ec2", "StopInstances", {"InstanceIds": ["i-1"]}),
    ("guardduty", "CreateFilter", {"DetectorId": "d", "Name": "n", "FindingCriteria": {}}),
    ("iam", "NoSuchOperation", {}),
])
def test_changes_are_refused(seat_account, service, operation, params):
    target, _region = seat_account
    with pytest.raises(ReadRefused):
        answer_read(target, service, operation, params)


def test_a_change_through_the_view_never_reaches_the_account(seat_account):
    target, region = seat_account
    view = seat_target(InProcessClassApi(target), 1, region)
    with pytest.raises(ReadRefused):
        view.client("iam").create_user(UserName="made-by-the-instructor-view")
    names = [u["UserName"] for u in target.client("iam").list_users()["Users"]]
    assert "made-by-the-instructor-view" not in names


def test_bad_shapes_are_refused(seat_account):
    target, _region = seat_account
    for service, operation, params in ((1, "ListRoles", {}), ("iam", "ListRoles", []),
                                       ("iam", "GetRole", {"Nope": 1})):
        with pytest.raises(ReadRefused):
            answer_read(target, service, operation, params)
