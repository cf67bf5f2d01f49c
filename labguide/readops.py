"""The one allow-list of read operations, shared by every layer.

A call is a read only if its (service, operation) pair is listed here; everything
else is a change, `ssm:SendCommand` included even when the command only reads, and
an operation this list does not know is a change too. The simulator's journal, the
actions' guard, the target's refusal on a real account and the checks all ask
`is_read`, so a new read is added here and nowhere else.

Services are named as boto3 clients name them (which is also the SigV4 signing name
for every service below). Each name is checked against botocore's service models
by the tests, so a typo cannot widen or narrow the list unnoticed.
"""

from __future__ import annotations

READ_OPERATIONS: dict[str, frozenset[str]] = {
    "sts": frozenset({"GetCallerIdentity", "GetAccessKeyInfo"}),
    "ec2": frozenset({
        "DescribeAddresses", "DescribeAvailabilityZones", "DescribeIamInstanceProfileAssociations",
        "DescribeImages", "DescribeInstanceAttribute", "DescribeInstanceStatus",
        "DescribeInstances", "DescribeInternetGateways", "DescribeKeyPairs",
        "DescribeNetworkAcls", "DescribeNetworkInterfaces", "DescribeRegions",
        "DescribeRouteTables", "DescribeSecurityGroupRules", "DescribeSecurityGroups",
        "DescribeSubnets", "DescribeTags", "DescribeVolumes", "DescribeVpcs",
        "GetConsoleOutput",
    }),
    "iam": frozenset({
        "GetAccessKeyLastUsed", "GetAccountAuthorizationDetails", "GetAccountSummary",
        "GetInstanceProfile", "GetPolicy", "GetPolicyVersion", "GetRole", "GetRolePolicy",
        "GetUser", "GetUserPolicy", "ListAccessKeys", "ListAttachedRolePolicies",
        "ListAttachedUserPolicies", "ListInstanceProfiles", "ListInstanceProfilesForRole",
        "ListPolicies", "ListPolicyVersions", "ListRolePolicies", "ListRoleTags", "ListRoles",
        "ListUserPolicies", "ListUsers",
    }),
    "guardduty": frozenset({
        "GetDetector", "GetFilter", "GetFindings", "GetFindingsStatistics", "GetIPSet",
        "GetThreatIntelSet", "ListDetectors", "ListFilters", "ListFindings", "ListIPSets",
        "ListThreatIntelSets",
    }),
    "ssm": frozenset({
        "DescribeDocument", "DescribeInstanceInformation", "DescribeParameters",
        "GetCommandInvocation", "GetDocument", "GetParameter", "GetParameterHistory",
        "GetParameters", "GetParametersByPath", "ListCommandInvocations", "ListCommands",
        "ListDocuments",
    }),
    "cloudtrail": frozenset({
        "DescribeTrails", "GetEventSelectors", "GetTrail", "GetTrailStatus", "ListTrails",
        "LookupEvents",
    }),
    "logs": frozenset({
        "DescribeLogGroups", "DescribeLogStreams", "DescribeMetricFilters",
        "DescribeSubscriptionFilters", "FilterLogEvents", "GetLogEvents",
    }),
    "s3": frozenset({
        "GetBucketLocation", "GetBucketPolicy", "GetBucketTagging", "GetObject",
        "HeadBucket", "HeadObject", "ListBuckets", "ListObjects", "ListObjectsV2",
    }),
    "sns": frozenset({"GetTopicAttributes", "ListSubscriptions", "ListTopics"}),
}


def is_read(service: str | None, operation: str | None) -> bool:
    """True only for a listed read; an unknown service or operation is a change."""
    if not service or not operation:
        return False
    return operation in READ_OPERATIONS.get(service, frozenset())


def describe(service: str, operation: str) -> str:
    """`service:Operation`, as IAM and the messages name an action."""
    return f"{service}:{operation}"
