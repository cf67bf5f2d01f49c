"""GuardDuty extension in-process (moto.mock_aws): every operation, paging, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from labguide.sim.install import install_extensions

REGION = "ap-southeast-2"
EPOCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FINDING_UNAUTHORIZED = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
FINDING_RECON = "Recon:IAMUser/MaliciousIPCaller.Custom"
ATTACKER_IP = "198.51.100.23"

ACCOUNT = "123456789012"
KEY = "ASIAEXAMPLESTOLEN001"


@pytest.fixture
def gd():
    install_extensions()
    with mock_aws():
        client = boto3.client("guardduty", region_name=REGION, aws_access_key_id="AKIDTEST",
                              aws_secret_access_key="secret")
        yield client


@pytest.fixture
def backend():
    from labguide.sim.guardduty.models import guardduty_backends

    return guardduty_backends[ACCOUNT][REGION]


def record(backend, detector_id, *, finding_type=FINDING_UNAUTHORIZED, key=KEY, api="GetObject",
           error_code=None, minutes=0, ip=ATTACKER_IP):
    return backend.record_api_call(
        detector_id, finding_type=finding_type,
        access_key_details={"AccessKeyId": key, "PrincipalId": "AROAROLE:i-0abc",
                            "UserName": "threat-detection-wksp-compromised-ec2",
                            "UserType": "AssumedRole"},
        instance_details={"InstanceId": "i-0abc",
                          "IamInstanceProfile": {"Arn": "arn:aws:iam::123456789012:"
                                                        "instance-profile/wksp-profile",
                                                 "Id": "AIPAPROFILE"}},
        api=api, service_name="s3.amazonaws.com", remote_ip=ip, error_code=error_code,
        threat_list_name="Custom-Threat-List-1", at=EPOCH + timedelta(minutes=minutes),
    )


def test_record_api_call_upserts_one_finding_per_type_and_key(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    first = record(backend, detector, api="GetObject")
    again = record(backend, detector, api="DeleteBucket", error_code="AccessDenied", minutes=2)
    other_type = record(backend, detector, finding_type=FINDING_RECON, api="ListBuckets")
    other_key = record(backend, detector, key="ASIAOTHERKEY00000001", minutes=1)
    assert first == again and len({first, other_type, other_key}) == 3

    finding = gd.get_findings(DetectorId=detector, FindingIds=[first])["Findings"][0]
    service = finding["Service"]
    assert service["Count"] == 2
    assert service["EventFirstSeen"] == "2026-03-01T09:00:00.000Z"
    assert service["EventLastSeen"] == "2026-03-01T09:02:00.000Z"
    # Published five minutes after the activity (labguide.sim.guardduty.models).
    assert finding["UpdatedAt"] == "2026-03-01T09:07:00.000Z"
    assert finding["CreatedAt"] == "2026-03-01T09:05:00.000Z"
    call = service["Action"]["AwsApiCallAction"]
    assert call["Api"] == "DeleteBucket" and call["ErrorCode"] == "AccessDenied"
    assert call["CallerType"] == "Remote IP"
    assert call["RemoteIpDetails"]["IpAddressV4"] == ATTACKER_IP
    assert {"Organization", "Country", "City", "GeoLocation"} <= set(call["RemoteIpDetails"])
    assert service["Action"]["ActionType"] == "AWS_API_CALL"
    assert service["Evidence"]["ThreatIntelligenceDetails"] == [
        {"ThreatListName": "Custom-Threat-List-1", "ThreatNames": []}]
    assert service["ResourceRole"] == "TARGET" and service["ServiceName"] == "guardduty"
    assert service["Archived"] is False and service["DetectorId"] == detector
    resource = finding["Resource"]
    assert resource["ResourceType"] == "AccessKey"
    assert resource["AccessKeyDetails"] == {
        "AccessKeyId": KEY, "PrincipalId": "AROAROLE:i-0abc",
        "UserName": "threat-detection-wksp-compromised-ec2", "UserType": "AssumedRole"}
    assert resource["InstanceDetails"]["IamInstanceProfile"]["Id"] == "AIPAPROFILE"
    assert finding["Severity"] == 5.0 and finding["Type"] == FINDING_UNAUTHORIZED
    assert finding["AccountId"] == ACCOUNT and finding["Region"] == REGION
    assert finding["Arn"].endswith(f"detector/{detector}/finding/{first}")
    assert "DeleteBucket" in finding["Title"] and finding["SchemaVersion"] == "2.0"


def test_a_call_without_error_clears_the_error_code(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    fid = record(backend, detector, error_code="AccessDenied")
    record(backend, detector, minutes=2)
    call = gd.get_findings(DetectorId=detector, FindingIds=[fid])["Findings"][0]["Service"][
        "Action"]["AwsApiCallAction"]
    assert "ErrorCode" not in call


def test_findings_read_are_snapshots_later_calls_and_archiving_do_not_change(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    fid = record(backend, detector, api="GetObject")
    before = backend.get_findings(detector, [fid], None)[0]
    snapshot = json.dumps(before, sort_keys=True)
    record(backend, detector, api="DeleteBucket", error_code="AccessDenied", minutes=3)
    gd.archive_findings(DetectorId=detector, FindingIds=[fid])
    assert json.dumps(before, sort_keys=True) == snapshot  # what was read stays as read
    after = backend.get_findings(detector, [fid], None)[0]
    assert after["service"]["count"] == 2 and after["service"]["archived"] is True
    assert after["service"]["action"]["awsApiCallAction"]["api"] == "DeleteBucket"
    assert after["updatedAt"] == "2026-03-01T09:08:00.000Z"
    assert list(after) == list(before)  # same keys in the same order (the wire's JSON)
    assert list(after["service"]) == list(before["service"])
    wire = gd.get_findings(DetectorId=detector, FindingIds=[fid])["Findings"][0]
    assert wire["Service"]["Count"] == 2 and wire["Service"]["Archived"] is True


def test_list_findings_criteria_on_key_type_ip(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    mine = record(backend, detector)
    recon = record(backend, detector, finding_type=FINDING_RECON, api="ListBuckets")
    other = record(backend, detector, key="ASIAOTHERKEY00000001", ip="203.0.113.9")

    def ids(criterion):
        return set(gd.list_findings(DetectorId=detector,
                                    FindingCriteria={"Criterion": criterion})["FindingIds"])

    assert ids({"resource.accessKeyDetails.accessKeyId": {"Eq": [KEY]}}) == {mine, recon}
    assert ids({"resource.accessKeyDetails.accessKeyId": {"Equals": [KEY]}}) == {mine, recon}
    assert ids({"resource.accessKeyDetails.accessKeyId": {"Neq": [KEY]}}) == {other}
    assert ids({"resource.accessKeyDetails.accessKeyId": {"NotEquals": [KEY]}}) == {other}
    assert ids({"type": {"Eq": [FINDING_RECON]}}) == {recon}
    assert ids({"service.action.awsApiCallAction.remoteIpDetails.ipAddressV4":
                {"Eq": ["203.0.113.9"]}}) == {other}
    assert ids({"resource.accessKeyDetails.accessKeyId": {"Eq": [KEY]},
                "type": {"Eq": [FINDING_UNAUTHORIZED]}}) == {mine}
    assert ids({"resource.accessKeyDetails.accessKeyId": {"Eq": ["ASIANOSUCHKEY0000000"]}}) == set()
    assert ids({"service.evidence.threatIntelligenceDetails.threatListName":
                {"Eq": ["Custom-Threat-List-1"]}}) == {mine, recon, other}
    assert ids({"type": {"Matches": ["Recon:*"]}}) == {recon}
    assert ids({"type": {"NotMatches": ["Recon:*"]}}) == {mine, other}


def test_list_findings_numeric_time_and_archived_criteria(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    early = record(backend, detector, minutes=0)
    late = record(backend, detector, key="ASIALATEKEY000000001", minutes=10)
    gd.archive_findings(DetectorId=detector, FindingIds=[early])
    cutoff_ms = int((EPOCH + timedelta(minutes=8)).timestamp() * 1000)  # 09:05 < it < 09:15

    def ids(criterion):
        return set(gd.list_findings(DetectorId=detector,
                                    FindingCriteria={"Criterion": criterion})["FindingIds"])

    assert ids({"updatedAt": {"GreaterThan": cutoff_ms}}) == {late}
    assert ids({"updatedAt": {"Gt": cutoff_ms}}) == {late}
    assert ids({"updatedAt": {"LessThanOrEqual": cutoff_ms}}) == {early}
    assert ids({"updatedAt": {"Lt": cutoff_ms}}) == {early}
    assert ids({"severity": {"Gte": 5}}) == {early, late}
    assert ids({"severity": {"GreaterThanOrEqual": 7}}) == set()
    assert ids({"severity": {"Lte": 4}}) == set()
    assert ids({"severity": {"LessThan": 6}}) == {early, late}
    assert ids({"severity": {"Eq": ["5"]}}) == {early, late}
    assert ids({"service.archived": {"Eq": ["false"]}}) == {late}
    assert ids({"service.archived": {"Eq": ["true"]}}) == {early}
    gd.unarchive_findings(DetectorId=detector, FindingIds=[early])
    assert ids({"service.archived": {"Eq": ["false"]}}) == {early, late}


def test_invalid_criteria_are_rejected(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    record(backend, detector)
    with pytest.raises(ClientError) as bad_field:
        gd.list_findings(DetectorId=detector,
                         FindingCriteria={"Criterion": {"resource.noSuchField": {"Eq": ["x"]}}})
    assert bad_field.value.response["Error"]["Code"] == "BadRequestException"
    assert "resource.noSuchField" in bad_field.value.response["Error"]["Message"]
    with pytest.raises(ClientError):  # a structure, not a value
        gd.list_findings(DetectorId=detector, FindingCriteria={
            "Criterion": {"resource.accessKeyDetails": {"Eq": ["x"]}}})
    with pytest.raises(ClientError):
        gd.list_findings(DetectorId=detector,
                         FindingCriteria={"Criterion": {"type": {}}})
    with pytest.raises(ClientError):
        gd.list_findings(DetectorId=detector, MaxResults=51)
    with pytest.raises(ClientError):
        gd.list_findings(DetectorId=detector, NextToken="not-a-token")
    with pytest.raises(ClientError) as no_detector:
        gd.list_findings(DetectorId="0" * 32)
    assert no_detector.value.response["Error"]["Code"] in ("BadRequestException",
                                                          "InvalidInputException")
    with pytest.raises(ParamValidationError):
        gd.list_findings(DetectorId=detector, MaxResults=0)


def test_sorting_and_paginator(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    made = [record(backend, detector, key=f"ASIAPAGEKEY{n:09d}", minutes=n) for n in range(7)]
    newest_first = gd.list_findings(
        DetectorId=detector, SortCriteria={"AttributeName": "updatedAt", "OrderBy": "DESC"}
    )["FindingIds"]
    assert newest_first == list(reversed(made))
    by_key = gd.list_findings(
        DetectorId=detector,
        SortCriteria={"AttributeName": "resource.accessKeyDetails.accessKeyId", "OrderBy": "ASC"},
    )["FindingIds"]
    assert by_key == made
    pages = list(gd.get_paginator("list_findings").paginate(
        DetectorId=detector, PaginationConfig={"PageSize": 3},
        SortCriteria={"AttributeName": "updatedAt", "OrderBy": "ASC"}))
    assert [len(p["FindingIds"]) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p["FindingIds"]] == made
    got = gd.get_findings(DetectorId=detector, FindingIds=made[:3],
                          SortCriteria={"AttributeName": "updatedAt", "OrderBy": "DESC"})
    assert [f["Id"] for f in got["Findings"]] == list(reversed(made[:3]))
    assert gd.get_findings(DetectorId=detector, FindingIds=["0" * 32])["Findings"] == []


def test_archive_unknown_finding_is_an_error(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    with pytest.raises(ClientError):
        gd.archive_findings(DetectorId=detector, FindingIds=["f" * 32])


def test_findings_statistics(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    record(backend, detector)
    record(backend, detector, finding_type=FINDING_RECON)
    stats = gd.get_findings_statistics(DetectorId=detector,
                                       FindingStatisticTypes=["COUNT_BY_SEVERITY"])
    assert stats["FindingStatistics"]["CountBySeverity"] == {"5.0": 2}
    only_recon = gd.get_findings_statistics(
        DetectorId=detector, FindingStatisticTypes=["COUNT_BY_SEVERITY"],
        FindingCriteria={"Criterion": {"type": {"Eq": [FINDING_RECON]}}})
    assert only_recon["FindingStatistics"]["CountBySeverity"] == {"5.0": 1}
    grouped = gd.get_findings_statistics(DetectorId=detector, GroupBy="FINDING_TYPE")
    types = {g["FindingType"]: g["TotalFindings"]
             for g in grouped["FindingStatistics"]["GroupedByFindingType"]}
    assert types == {FINDING_UNAUTHORIZED: 1, FINDING_RECON: 1}


def test_filters_list_get_update_delete_and_validation(gd):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    criteria = {"Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": [KEY]}}}
    for n in range(3):
        gd.create_filter(DetectorId=detector, Name=f"filter-{n}", FindingCriteria=criteria)
    assert gd.list_filters(DetectorId=detector)["FilterNames"] == [
        "filter-0", "filter-1", "filter-2"]
    pages = list(gd.get_paginator("list_filters").paginate(
        DetectorId=detector, PaginationConfig={"PageSize": 2}))
    assert [p["FilterNames"] for p in pages] == [["filter-0", "filter-1"], ["filter-2"]]
    saved = gd.get_filter(DetectorId=detector, FilterName="filter-1")
    assert saved["FindingCriteria"] == criteria and saved["Action"] == "NOOP"
    gd.update_filter(DetectorId=detector, FilterName="filter-1", Action="ARCHIVE")
    assert gd.get_filter(DetectorId=detector, FilterName="filter-1")["Action"] == "ARCHIVE"
    gd.delete_filter(DetectorId=detector, FilterName="filter-0")
    assert gd.list_filters(DetectorId=detector)["FilterNames"] == ["filter-1", "filter-2"]
    with pytest.raises(ClientError):
        gd.create_filter(DetectorId=detector, Name="bad-filter",
                         FindingCriteria={"Criterion": {"no.such.field": {"Eq": ["x"]}}})
    assert gd.list_detectors()["DetectorIds"] == [detector]
    assert gd.get_detector(DetectorId=detector)["Status"] == "ENABLED"


def test_threat_intel_sets(gd):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    set_id = gd.create_threat_intel_set(
        DetectorId=detector, Name="Custom-Threat-List-1", Format="TXT",
        Location="https://s3.amazonaws.com/bucket/threatlist.txt", Activate=True,
        Tags={"Service": "threat-detection-wksp"},
    )["ThreatIntelSetId"]
    assert gd.list_threat_intel_sets(DetectorId=detector)["ThreatIntelSetIds"] == [set_id]
    got = gd.get_threat_intel_set(DetectorId=detector, ThreatIntelSetId=set_id)
    assert (got["Name"], got["Format"], got["Status"]) == ("Custom-Threat-List-1", "TXT", "ACTIVE")
    assert got["Tags"] == {"Service": "threat-detection-wksp"}
    gd.update_threat_intel_set(DetectorId=detector, ThreatIntelSetId=set_id, Activate=False,
                               Name="renamed")
    got = gd.get_threat_intel_set(DetectorId=detector, ThreatIntelSetId=set_id)
    assert (got["Name"], got["Status"]) == ("renamed", "INACTIVE")
    with pytest.raises(ClientError):
        gd.create_threat_intel_set(DetectorId=detector, Name="x", Format="NOPE",
                                   Location="https://example.com/x", Activate=True)
    with pytest.raises(ClientError):
        gd.create_threat_intel_set(DetectorId=detector, Name="x", Format="TXT",
                                   Location="ftp://example.com/x", Activate=True)
    gd.delete_threat_intel_set(DetectorId=detector, ThreatIntelSetId=set_id)
    assert gd.list_threat_intel_sets(DetectorId=detector)["ThreatIntelSetIds"] == []
    with pytest.raises(ClientError):
        gd.get_threat_intel_set(DetectorId=detector, ThreatIntelSetId=set_id)


def test_findings_belong_to_their_detector(gd, backend):
    first = gd.create_detector(Enable=True)["DetectorId"]
    second = gd.create_detector(Enable=True)["DetectorId"]
    fid = record(backend, first)
    assert gd.list_findings(DetectorId=second)["FindingIds"] == []
    assert gd.get_findings(DetectorId=second, FindingIds=[fid])["Findings"] == []
    gd.delete_detector(DetectorId=first)
    assert backend.findings == {}
