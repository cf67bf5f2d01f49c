"""GuardDuty through a real SimServer on loopback: boto3, the AWS CLI, account isolation."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.sim.awscli import aws_cli

FINDING_UNAUTHORIZED = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"


def test_server_binds_loopback_on_an_os_chosen_port(sim_server):
    assert sim_server.endpoint_url.startswith("http://127.0.0.1:")
    assert sim_server.port > 0


def test_findings_and_filters_over_http(sim_server, served_fixture_world, learner_client):
    world = served_fixture_world()
    world.advance(240)  # three attacker calls: t=0, 120, 240
    gd = learner_client(world, "guardduty", sim_server.endpoint_url)
    detector = gd.list_detectors()["DetectorIds"]
    assert detector == [world.truth.detector_id]
    criteria = {"Criterion": {"resource.accessKeyDetails.accessKeyId": {
        "Eq": [world.truth.stolen_access_key_id]}}}
    ids = gd.list_findings(DetectorId=detector[0], FindingCriteria=criteria)["FindingIds"]
    findings = gd.get_findings(DetectorId=detector[0], FindingIds=ids)["Findings"]
    by_type = {f["Type"]: f for f in findings}
    assert set(by_type) == {FINDING_UNAUTHORIZED, "Recon:IAMUser/MaliciousIPCaller.Custom"}
    assert by_type[FINDING_UNAUTHORIZED]["Service"]["Count"] == 1  # GetObject at t=0
    pages = list(gd.get_paginator("list_findings").paginate(
        DetectorId=detector[0], PaginationConfig={"PageSize": 1}))
    assert len(pages) == 2
    gd.create_filter(DetectorId=detector[0], Name="stolen-key", FindingCriteria=criteria)
    assert gd.list_filters(DetectorId=detector[0])["FilterNames"] == ["stolen-key"]
    assert gd.get_filter(DetectorId=detector[0], FilterName="stolen-key")[
        "FindingCriteria"] == criteria
    with pytest.raises(ClientError) as bad:
        gd.list_findings(DetectorId=detector[0],
                         FindingCriteria={"Criterion": {"nope": {"Eq": ["x"]}}})
    assert bad.value.response["Error"]["Code"] == "BadRequestException"
    assert bad.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_two_accounts_on_one_server_are_isolated(sim_server, served_fixture_world,
                                                 learner_client):
    first, second = served_fixture_world(), served_fixture_world()
    gd1 = learner_client(first, "guardduty", sim_server.endpoint_url)
    gd2 = learner_client(second, "guardduty", sim_server.endpoint_url)
    assert gd1.list_detectors()["DetectorIds"] == [first.truth.detector_id]
    assert gd2.list_detectors()["DetectorIds"] == [second.truth.detector_id]
    gd1.create_filter(DetectorId=first.truth.detector_id, Name="only-in-first",
                      FindingCriteria={"Criterion": {"type": {"Eq": [FINDING_UNAUTHORIZED]}}})
    assert gd2.list_filters(DetectorId=second.truth.detector_id)["FilterNames"] == []
    with pytest.raises(ClientError):  # the other account's detector is not visible
        gd2.list_findings(DetectorId=first.truth.detector_id)
    keys1 = {f["Resource"]["AccessKeyDetails"]["AccessKeyId"] for f in gd1.get_findings(
        DetectorId=first.truth.detector_id,
        FindingIds=gd1.list_findings(DetectorId=first.truth.detector_id)["FindingIds"],
    )["Findings"]}
    assert keys1 == {first.truth.stolen_access_key_id}
    sts = learner_client(second, "sts", sim_server.endpoint_url)
    assert sts.get_caller_identity()["Account"] == second.account_id


def test_the_real_aws_cli(sim_server, served_fixture_world):
    world = served_fixture_world()
    world.advance(120)
    detector, key = world.truth.detector_id, world.truth.stolen_access_key_id
    criteria = json.dumps({"Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": [key]}}})
    listed = aws_cli(world, sim_server.endpoint_url, "guardduty", "list-findings",
                  "--detector-id", detector, "--finding-criteria", criteria)
    assert len(listed["FindingIds"]) == 2
    got = aws_cli(world, sim_server.endpoint_url, "guardduty", "get-findings",
               "--detector-id", detector, "--finding-ids", *listed["FindingIds"])
    assert {f["Resource"]["AccessKeyDetails"]["AccessKeyId"] for f in got["Findings"]} == {key}
    aws_cli(world, sim_server.endpoint_url, "guardduty", "create-filter", "--detector-id", detector,
         "--name", "cli-filter", "--finding-criteria", criteria)
    names = aws_cli(world, sim_server.endpoint_url, "guardduty", "list-filters",
                 "--detector-id", detector)
    assert names["FilterNames"] == ["cli-filter"]
