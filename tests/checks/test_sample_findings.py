"""Sample findings (GuardDuty's "Generate sample findings") never become facts: on a
real account they are often the newest of their type, with a made-up key and role."""

import json

from botocore.stub import Stubber

from labguide.checks.facts import discover
from labguide.scenario.model import FindingFact as FactSpec
from labguide.target import Credentials, Target

TYPE = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
REAL_KEY = "ASIAREALSTOLENKEY123"


def finding(finding_id, key, updated, sample=None):
    service = {"EventFirstSeen": "2026-03-01T09:00:00Z"}
    if sample is not None:
        # as GuardDuty returns it: additionalInfo.value is a JSON text
        service["AdditionalInfo"] = {"Value": json.dumps({"sample": sample}), "Type": "default"}
    return {"AccountId": "123456789012", "Arn": f"arn:aws:guardduty:::finding/{finding_id}",
            "CreatedAt": updated, "Id": finding_id, "Region": "us-east-1", "SchemaVersion": "2.0",
            "Severity": 5.0, "Type": TYPE, "UpdatedAt": updated, "Service": service,
            "Resource": {"AccessKeyDetails": {"AccessKeyId": key, "UserType": "AssumedRole"}}}


def facts_with(findings):
    target = Target(kind="endpoint", region="us-east-1", endpoint_url="http://127.0.0.1:9",
                    credentials=Credentials("AKIAEXAMPLEEXAMPLE00", "secret"))
    client = target.client("guardduty")
    stubber = Stubber(client)
    stubber.add_response("list_detectors", {"DetectorIds": ["d1"]})
    stubber.add_response("list_findings", {"FindingIds": [f["Id"] for f in findings]})
    stubber.add_response("get_findings", {"Findings": findings})
    stubber.activate()
    specs = {"access_key_id": FactSpec(kind="finding-access-key", description="the key",
                                       finding_type=TYPE)}
    return discover(target, specs)


def test_a_newer_sample_finding_does_not_hijack_the_key():
    facts = facts_with([
        finding("sample", "GeneratedFindingAccessKeyId", "2026-03-01T12:00:00Z", sample=True),
        finding("sample2", "ASIASAMPLEBUTREALLOOK", "2026-03-01T11:00:00Z", sample=True),
        finding("nomark", "GeneratedFindingAccessKeyId", "2026-03-01T10:30:00Z"),
        finding("real", REAL_KEY, "2026-03-01T10:00:00Z", sample=False),
    ])
    assert facts.value("access_key_id") == REAL_KEY


def test_only_sample_findings_mean_no_key_yet():
    facts = facts_with([finding("s", "GeneratedFindingAccessKeyId", "2026-03-01T12:00:00Z")])
    fact = facts.get("access_key_id")
    assert fact.value is None and "only sample findings" in fact.reason
