"""IAM policy evaluation for role sessions, table-driven from AWS's documented examples.

Each case cites the IAM User Guide page its policy and expectation come from:
- OPS: "Condition operators", reference_policies_elements_condition_operators.html
- MULTI: "Single-valued vs. multivalued context keys",
  reference_policies_condition-single-vs-multi-valued-context-keys.html
- EVAL: "Policy evaluation logic", reference_policies_evaluation-logic.html
- IP: "AWS: Denies access to AWS based on the source IP",
  reference_policies_examples_aws_deny-ip.html
- REGION: "AWS: Denies access to AWS based on the requested Region",
  reference_policies_examples_aws_deny-requested-region.html
- DATES: "AWS: Allows access within specific dates", reference_policies_examples_aws-dates.html
- REVOKE: "Revoke IAM role temporary security credentials", id_roles_use_revoke-sessions.html
- BOUNDARY: "Permissions boundaries for IAM entities", access_policies_boundaries.html
- SESSION: "Session policies", access_policies.html#policies_session
(all under https://docs.aws.amazon.com/IAM/latest/UserGuide/).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from labguide.sim.iam_revocation.conditions import conditions_hold, key_holds
from labguide.sim.iam_revocation.models import RoleSession, evaluate, request_context

ISSUED = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(minutes=10)
ATTACKER_IP = "198.51.100.23"


def session(**overrides) -> RoleSession:
    values = dict(access_key_id="ASIAUNITTEST00000001", account_id="123456789012",
                  role_name="app", role_arn="arn:aws:iam::123456789012:role/app",
                  session_name="i-0123456789abcdef0", issued_at=ISSUED,
                  expires_at=ISSUED + timedelta(hours=6),
                  source_instance_arn="arn:aws:ec2:ap-southeast-2:123456789012:instance/"
                                      "i-0123456789abcdef0")
    values.update(overrides)
    return RoleSession(**values)


def context(**keys):
    found = request_context(session(), NOW, source_ip=ATTACKER_IP, region="ap-southeast-2",
                            role_id="AROAEXAMPLEROLEID0001")
    found.update({k.replace("__", ":").lower(): v for k, v in keys.items()})
    return found


# ----- one condition key: (page, block, extra context, holds) ---------------------------------

CONDITIONS = [
    # OPS, String: StringEquals is case-sensitive; the IgnoreCase form is not.
    ("OPS", {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
     {"aws:PrincipalTag/job-category": "iamuser-admin"}, True),
    ("OPS", {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
     {"aws:PrincipalTag/job-category": "IAMUser-Admin"}, False),
    ("OPS", {"StringEqualsIgnoreCase": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
     {"aws:PrincipalTag/job-category": "IAMUser-Admin"}, True),
    # OPS: a key absent from the context: no match, so false ...
    ("OPS", {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, {}, False),
    # ... but true for a negated operator.
    ("OPS", {"StringNotEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, {}, True),
    ("OPS", {"StringNotEquals": {"aws:PrincipalTag/job-category": ["a", "b"]}},
     {"aws:PrincipalTag/job-category": "b"}, False),
    # OPS, StringLike with wildcards and a policy variable.
    ("OPS", {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}},
     {"s3:prefix": "home/alice/notes", "aws:username": "alice"}, True),
    ("OPS", {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}},
     {"s3:prefix": "home/bob/notes", "aws:username": "alice"}, False),
    ("OPS", {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
     {"s3:prefix": "home/x/notes"}, False),  # the variable's key is absent: nothing matches
    ("OPS", {"StringNotLike": {"s3:prefix": "home/?/*"}}, {"s3:prefix": "home/a/x"}, False),
    # OPS, Numeric.
    ("OPS", {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    ("OPS", {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, False),
    ("OPS", {"NumericGreaterThan": {"aws:EpochTime": "1772438400"}}, {}, True),
    # OPS / DATES, Date: ISO 8601 or epoch values, aws:CurrentTime and aws:EpochTime alike.
    ("DATES", {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
               "DateLessThan": {"aws:CurrentTime": "2026-12-31T23:59:59Z"}}, {}, True),
    ("DATES", {"DateLessThan": {"aws:CurrentTime": "2026-03-01T00:00:00Z"}}, {}, False),
    ("OPS", {"DateGreaterThanEquals": {"aws:EpochTime": "2026-03-02T08:10:00Z"}}, {}, True),
    ("OPS", {"DateNotEquals": {"aws:TokenIssueTime": "1772438400"}}, {}, False),
    # REVOKE: the console's revocation, dated after and before the issue time.
    ("REVOKE", {"DateLessThan": {"aws:TokenIssueTime": "2026-03-02T08:00:01Z"}}, {}, True),
    ("REVOKE", {"DateLessThan": {"aws:TokenIssueTime": "2026-03-02T08:00:00Z"}}, {}, False),
    # OPS, Bool: aws:SecureTransport is "true" for AWS's HTTPS endpoints.
    ("OPS", {"Bool": {"aws:SecureTransport": "true"}}, {}, True),
    ("OPS", {"Bool": {"aws:SecureTransport": "false"}}, {}, False),
    ("OPS", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}, {}, True),
    # OPS / IP, IpAddress and NotIpAddress, IPv4 CIDR, single address, IPv6.
    ("OPS", {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}, {}, True),
    ("OPS", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {}, False),
    ("IP", {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}, {}, True),
    ("IP", {"NotIpAddress": {"aws:SourceIp": ["198.51.100.23", "203.0.113.0/24"]}}, {}, False),
    ("OPS", {"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}},
     {"aws:SourceIp": "2001:db8:1234:5678::1"}, True),
    ("OPS", {"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}, {}, False),
    # OPS, Arn: six parts matched one by one.
    ("OPS", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}}, {}, True),
    ("OPS", {"ArnEquals": {"ec2:SourceInstanceARN":
                           "arn:aws:ec2:*:123456789012:instance/i-0123456789abcdef0"}}, {}, True),
    ("OPS", {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin-*"}},
     {}, True),
    ("OPS", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012"}}, {}, False),
    # OPS, Null: "true" wants the key absent (aws:TokenIssueTime: not temporary credentials).
    ("OPS", {"Null": {"aws:TokenIssueTime": "true"}}, {}, False),
    ("OPS", {"Null": {"aws:TokenIssueTime": "false"}}, {}, True),
    ("OPS", {"Null": {"aws:username": "true"}}, {}, True),  # roles have no aws:username
    # OPS, ...IfExists: an absent key makes the condition true.
    ("OPS", {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, {}, True),
    ("OPS", {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
     {"ec2:InstanceType": "m5.large"}, False),
    # MULTI, ForAllValues / ForAnyValue over a multivalued key.
    ("MULTI", {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
     {"aws:TagKeys": ["environment"]}, True),
    ("MULTI", {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
     {"aws:TagKeys": ["environment", "owner"]}, False),
    ("MULTI", {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment"]}}, {}, True),
    ("MULTI", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
     {"aws:TagKeys": ["owner", "cost-center"]}, True),
    ("MULTI", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}, {}, False),
    # OPS: keys under one operator are ANDed; so are operators.
    ("OPS", {"StringEquals": {"aws:PrincipalType": "AssumedRole",
                              "aws:RequestedRegion": "eu-west-1"}}, {}, False),
    ("OPS", {"StringEquals": {"aws:userid": "AROAEXAMPLEROLEID0001:i-0123456789abcdef0"}},
     {}, True),
    ("OPS", {"NoSuchOperator": {"aws:SourceIp": ATTACKER_IP}}, {}, False),
]


@pytest.mark.parametrize("page, block, extra, holds", CONDITIONS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONDITIONS)])
def test_documented_condition_operators(page, block, extra, holds):
    assert conditions_hold(block, context(**{k.replace(":", "__"): v
                                             for k, v in extra.items()})) is holds


def test_keys_are_case_insensitive_and_values_or_within_a_key():
    ctx = context()
    assert key_holds("stringequals", "AWS:RequestedRegion",
                     ["eu-west-1", "ap-southeast-2"], ctx)


# ----- whole requests: (page, policies, boundary, session policies, action, resource,
#        expected effect: allowed | explicit | implicit, message ending) ----------------------

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DENY_IP = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Action": "*", "Resource": "*",
    "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
                  "Bool": {"aws:ViaAWSService": "false"}}}]}
DENY_ATTACKER = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Action": "*", "Resource": "*",
    "Condition": {"IpAddress": {"aws:SourceIp": f"{ATTACKER_IP}/32"}}}]}
DENY_REGIONS = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "cloudfront:*", "route53:*"],
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}}}]}
S3_DATA = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}]}
BOUNDARY_S3_EC2 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}]}
IAM_CREATE_USER = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}]}
DENY_IN_BOUNDARY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}

REQUESTS = [
    ("EVAL", [S3_DATA], None, (), "s3:GetObject", "arn:aws:s3:::data/config.py", "allowed", ""),
    ("EVAL", [S3_DATA], None, (), "s3:GetObject", "arn:aws:s3:::logs/x", "implicit",
     "because no identity-based policy allows the s3:GetObject action"),
    ("IP", [ALLOW_ALL, DENY_IP], None, (), "s3:ListAllMyBuckets", "*", "explicit",
     "with an explicit deny in an identity-based policy"),
    ("IP", [ALLOW_ALL, DENY_ATTACKER], None, (), "s3:GetObject", "arn:aws:s3:::data/x",
     "explicit", "with an explicit deny in an identity-based policy"),
    ("REGION", [ALLOW_ALL, DENY_REGIONS], None, (), "ec2:DescribeInstances", "*", "explicit",
     "with an explicit deny in an identity-based policy"),
    ("REGION", [ALLOW_ALL, DENY_REGIONS], None, (), "iam:ListRoles", "*", "allowed", ""),
    # BOUNDARY: the boundary allows S3/EC2/CloudWatch, the identity policy only CreateUser:
    # neither is effective.
    ("BOUNDARY", [IAM_CREATE_USER], BOUNDARY_S3_EC2, (), "iam:CreateUser", "*", "implicit",
     "because no permissions boundary allows the iam:CreateUser action"),
    ("BOUNDARY", [IAM_CREATE_USER], BOUNDARY_S3_EC2, (), "s3:GetObject", "*", "implicit",
     "because no identity-based policy allows the s3:GetObject action"),
    ("BOUNDARY", [S3_DATA], BOUNDARY_S3_EC2, (), "s3:GetObject", "arn:aws:s3:::data/k",
     "allowed", ""),
    ("BOUNDARY", [ALLOW_ALL], DENY_IN_BOUNDARY, (), "s3:DeleteBucket", "arn:aws:s3:::data",
     "explicit", "with an explicit deny in a permissions boundary"),
    # SESSION: the session policy limits what the role's policies allow.
    ("SESSION", [ALLOW_ALL], None, (S3_DATA,), "s3:GetObject", "arn:aws:s3:::data/k",
     "allowed", ""),
    ("SESSION", [ALLOW_ALL], None, (S3_DATA,), "ec2:DescribeInstances", "*", "implicit",
     "because no session policy allows the ec2:DescribeInstances action"),
    ("SESSION", [S3_DATA], None, (ALLOW_ALL,), "iam:ListRoles", "*", "implicit",
     "because no identity-based policy allows the iam:ListRoles action"),
    ("SESSION", [ALLOW_ALL], None, (DENY_ATTACKER,), "s3:GetObject", "arn:aws:s3:::data/k",
     "explicit", "with an explicit deny in a session policy"),
]


@pytest.mark.parametrize("page, policies, boundary, session_policies, action, resource, "
                         "effect, ending", REQUESTS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(REQUESTS)])
def test_documented_evaluation(page, policies, boundary, session_policies, action, resource,
                               effect, ending):
    import json

    held = session(session_policies=tuple(json.dumps(p) for p in session_policies))
    decision = evaluate(held, action, resource, NOW, policies,
                        boundary=[boundary] if boundary is not None else None,
                        context=context())
    assert decision.allowed is (effect == "allowed")
    if effect != "allowed":
        assert decision.error_code == "AccessDenied"
        assert decision.explicit_deny is (effect == "explicit")
        assert decision.message == (
            "User: arn:aws:sts::123456789012:assumed-role/app/i-0123456789abcdef0 is not "
            f"authorized to perform: {action} on resource: {resource} {ending}")


def test_expiry_wins_over_every_policy_and_getcalleridentity_is_never_denied():
    deny_all = {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    expired = evaluate(session(), "sts:GetCallerIdentity", "*", ISSUED + timedelta(hours=6),
                       [ALLOW_ALL])
    assert expired.error_code == "ExpiredToken"
    assert evaluate(session(), "sts:GetCallerIdentity", "*", NOW, [deny_all]).allowed


def test_a_boundary_that_is_set_but_unreadable_allows_nothing():
    decision = evaluate(session(), "s3:GetObject", "*", NOW, [ALLOW_ALL], boundary=[])
    assert decision.message.endswith("because no permissions boundary allows the s3:GetObject "
                                     "action")
