"""Whether an address is on a detector's active TXT threat list, read from the list's S3
object as GuardDuty reads it (one IP or CIDR per line;
https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from labguide.sim.guardduty.threat_lists import listing_threat_list
from labguide.sim.install import install_extensions

REGION = "ap-southeast-2"


@pytest.fixture
def lists():
    install_extensions()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        gd = boto3.client("guardduty", region_name=REGION)
        account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        s3.create_bucket(Bucket="lists", CreateBucketConfiguration={
            "LocationConstraint": REGION})
        s3.put_object(Bucket="lists", Key="bad.txt",
                      Body=b"# attackers\n203.0.113.50\n198.51.100.0/24\n")
        detector = gd.create_detector(Enable=True)["DetectorId"]
        yield s3, gd, account, detector


def test_listed_addresses_and_ranges(lists):
    s3, gd, account, detector = lists
    gd.create_threat_intel_set(DetectorId=detector, Name="bad", Format="TXT",
                               Location="https://s3.amazonaws.com/lists/bad.txt", Activate=True)
    assert listing_threat_list(account, REGION, detector, "203.0.113.50") == "bad"
    assert listing_threat_list(account, REGION, detector, "198.51.100.7") == "bad"
    assert listing_threat_list(account, REGION, detector, "192.0.2.1") is None


def test_an_inactive_list_or_an_edited_object_lists_nothing(lists):
    s3, gd, account, detector = lists
    set_id = gd.create_threat_intel_set(DetectorId=detector, Name="bad", Format="TXT",
                                        Location="s3://lists/bad.txt",
                                        Activate=False)["ThreatIntelSetId"]
    assert listing_threat_list(account, REGION, detector, "203.0.113.50") is None
    gd.update_threat_intel_set(DetectorId=detector, ThreatIntelSetId=set_id, Activate=True)
    assert listing_threat_list(account, REGION, detector, "203.0.113.50") == "bad"
    s3.put_object(Bucket="lists", Key="bad.txt", Body=b"192.0.2.9\n")
    assert listing_threat_list(account, REGION, detector, "203.0.113.50") is None


def test_a_missing_object_lists_nothing(lists):
    s3, gd, account, detector = lists
    gd.create_threat_intel_set(DetectorId=detector, Name="gone", Format="TXT",
                               Location="https://s3.amazonaws.com/lists/none.txt", Activate=True)
    assert listing_threat_list(account, REGION, detector, "203.0.113.50") is None
