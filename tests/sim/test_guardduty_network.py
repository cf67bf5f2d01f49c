"""Network-connection findings through the real GuardDuty API shapes (botocore parses them).

GuardDuty finding types for EC2
(https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html):
UnauthorizedAccess:EC2/SSHBruteForce, resource role TARGET (severity low) for inbound
guessing; UnauthorizedAccess:EC2/MaliciousIPCaller.Custom (severity medium), an instance
talking to an address on a custom threat list. One finding per kind of activity; repeats
raise its count (guardduty_findings.html, "Finding aggregation").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from labguide.sim.guardduty.network import record_connection
from labguide.sim.install import install_extensions

REGION = "ap-southeast-2"
ACCOUNT = "123456789012"
EPOCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ATTACKER = "203.0.113.50"
BRUTE = "UnauthorizedAccess:EC2/SSHBruteForce"
CALLER = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"
DETAILS = {"instanceId": "i-0web", "instanceType": "t3.micro",
           "networkInterfaces": [{"privateIpAddress": "10.0.0.15", "subnetId": "subnet-1"}]}


@pytest.fixture
def gd():
    install_extensions()
    with mock_aws():
        yield boto3.client("guardduty", region_name=REGION, aws_access_key_id="AKIDTEST",
                           aws_secret_access_key="secret")


@pytest.fixture
def backend():
    from labguide.sim.guardduty.models import guardduty_backends

    return guardduty_backends[ACCOUNT][REGION]


def attempt(backend, detector, minutes, port=50000, finding_type=BRUTE, direction="INBOUND",
            remote_port=None, local_port=22, threat_list=None):
    return record_connection(
        backend, detector, finding_type=finding_type, instance_details=DETAILS,
        direction=direction, local_ip="10.0.0.15", local_port=local_port, remote_ip=ATTACKER,
        remote_port=remote_port or port + minutes, at=EPOCH + timedelta(minutes=minutes),
        threat_list_name=threat_list)


def findings(gd, detector, finding_type):
    ids = gd.list_findings(DetectorId=detector, FindingCriteria={
        "Criterion": {"type": {"Eq": [finding_type]}}})["FindingIds"]
    return gd.get_findings(DetectorId=detector, FindingIds=ids)["Findings"]


def test_brute_force_finding_shape(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    attempt(backend, detector, 0)
    (finding,) = findings(gd, detector, BRUTE)
    assert finding["Resource"]["ResourceType"] == "Instance"
    assert finding["Resource"]["InstanceDetails"]["InstanceId"] == "i-0web"
    service = finding["Service"]
    assert service["ResourceRole"] == "TARGET" and service["Count"] == 1
    action = service["Action"]
    assert action["ActionType"] == "NETWORK_CONNECTION"
    connection = action["NetworkConnectionAction"]
    assert connection["ConnectionDirection"] == "INBOUND"
    assert connection["LocalPortDetails"] == {"Port": 22, "PortName": "SSH"}
    assert connection["RemoteIpDetails"]["IpAddressV4"] == ATTACKER
    assert connection["Protocol"] == "TCP" and connection["Blocked"] is False
    assert finding["Severity"] == 2.0
    assert finding["Title"].startswith(f"{ATTACKER} is performing SSH brute force attacks "
                                       "against i-0web")


def test_repeats_raise_the_count_of_one_finding(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    ids = {attempt(backend, detector, minute) for minute in range(5)}
    assert len(ids) == 1
    (finding,) = findings(gd, detector, BRUTE)
    assert finding["Service"]["Count"] == 5
    assert finding["Service"]["EventFirstSeen"] < finding["Service"]["EventLastSeen"]
    assert finding["Service"]["Action"]["NetworkConnectionAction"]["RemotePortDetails"][
        "Port"] == 50004  # the latest connection's


def test_filter_on_instance_and_port_selects_it(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    attempt(backend, detector, 0)
    selected = gd.list_findings(DetectorId=detector, FindingCriteria={"Criterion": {
        "resource.instanceDetails.instanceId": {"Eq": ["i-0web"]},
        "service.action.networkConnectionAction.localPortDetails.port": {"Eq": ["22"]},
        "service.action.networkConnectionAction.connectionDirection": {"Eq": ["INBOUND"]},
    }})["FindingIds"]
    assert len(selected) == 1
    other = gd.list_findings(DetectorId=detector, FindingCriteria={"Criterion": {
        "resource.instanceDetails.instanceId": {"Eq": ["i-0other"]}}})["FindingIds"]
    assert other == []


def test_malicious_ip_caller_outbound_with_threat_list(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    attempt(backend, detector, 0, finding_type=CALLER, direction="OUTBOUND", local_port=41000,
            remote_port=443, threat_list="Custom-Threat-List-1")
    (finding,) = findings(gd, detector, CALLER)
    assert finding["Severity"] == 5.0
    assert finding["Service"]["ResourceRole"] == "ACTOR"
    connection = finding["Service"]["Action"]["NetworkConnectionAction"]
    assert connection["ConnectionDirection"] == "OUTBOUND"
    assert connection["RemotePortDetails"] == {"Port": 443, "PortName": "HTTPS"}
    assert finding["Service"]["Evidence"]["ThreatIntelligenceDetails"] == [
        {"ThreatListName": "Custom-Threat-List-1", "ThreatNames": []}]
    # "The threat list ... is listed in the Additional information section" (finding types)
    assert json.loads(finding["Service"]["AdditionalInfo"]["Value"]) == {
        "threatListName": "Custom-Threat-List-1"}
    assert "Custom-Threat-List-1" in finding["Description"]


def test_bad_direction_is_refused(gd, backend):
    detector = gd.create_detector(Enable=True)["DetectorId"]
    with pytest.raises(ValueError, match="INBOUND or OUTBOUND"):
        attempt(backend, detector, 0, direction="SIDEWAYS")
