"""Evaluating a saved filter's FindingCriteria against a finding as GetFindings returns it."""

import pytest

from labguide.checks.criteria import KEY_FIELD, Unevaluable, field_values, key_values, matches

KEY = "ASIAEXAMPLEKEY123Q3XZ"
FINDING = {
    "Type": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
    "Severity": 5.0,
    "UpdatedAt": "2026-03-01T10:05:00.000Z",
    "Resource": {"AccessKeyDetails": {"AccessKeyId": KEY, "UserType": "AssumedRole"},
                 "InstanceDetails": {"Tags": [{"Key": "Name", "Value": "web"}]}},
    "Service": {"Archived": False, "Count": 3,
                "Evidence": {"ThreatIntelligenceDetails": [{"ThreatListName": "Custom-1"}]}},
}


def test_field_paths_walk_camel_case_over_pascal_case_and_fan_out_lists():
    assert field_values(FINDING, KEY_FIELD) == [KEY]
    assert field_values(FINDING, "resource.instanceDetails.tags.value") == ["web"]
    assert field_values(FINDING, "service.evidence.threatIntelligenceDetails.threatListName") == [
        "Custom-1"]


def test_key_values_read_eq_and_equals():
    assert key_values({"Eq": [KEY], "Equals": ["other"]}) == [KEY, "other"]


@pytest.mark.parametrize(("criteria", "expected"), [
    ({KEY_FIELD: {"Eq": [KEY]}}, True),
    ({KEY_FIELD: {"Equals": ["x", KEY]}}, True),
    ({KEY_FIELD: {"Eq": ["ASIAOTHERKEY00000000"]}}, False),
    ({KEY_FIELD: {"Eq": [KEY]}, "severity": {"Gte": 4}}, True),
    ({KEY_FIELD: {"Eq": [KEY]}, "severity": {"GreaterThanOrEqual": 7}}, False),
    ({KEY_FIELD: {"Eq": [KEY]}, "service.archived": {"Eq": ["false"]}}, True),
    ({KEY_FIELD: {"Eq": [KEY]}, "service.archived": {"Eq": ["true"]}}, False),
    ({KEY_FIELD: {"Eq": [KEY]}, "type": {"Neq": ["Recon:IAMUser/MaliciousIPCaller.Custom"]}}, True),
    ({KEY_FIELD: {"Eq": [KEY]}, "updatedAt": {"Gt": 1772359200000}}, True),   # 2026-03-01T10:00Z
    ({KEY_FIELD: {"Eq": [KEY]}, "updatedAt": {"Lt": 1772359200000}}, False),
])
def test_matches(criteria, expected):
    ok, why = matches({"Criterion": criteria}, FINDING)
    assert ok is expected
    assert bool(why) is not expected


def test_the_reason_names_the_excluding_criterion_and_masks_keys():
    ok, why = matches({"Criterion": {"severity": {"Gte": 8}, KEY_FIELD: {"Neq": [KEY]}}}, FINDING)
    assert not ok and "severity" in why

    ok, why = matches({"Criterion": {KEY_FIELD: {"Neq": [KEY]}}}, FINDING)
    assert not ok and KEY not in why and "ASIA…Q3XZ" in why


def test_an_unknown_operator_is_not_guessed():
    with pytest.raises(Unevaluable):
        matches({"Criterion": {KEY_FIELD: {"Fuzzy": [KEY]}}}, FINDING)
