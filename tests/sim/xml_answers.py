"""Raw XML answers of the EC2, IAM and STS reads a check round makes (tests only), to
compare a serializer extension's answers with moto's own byte for byte."""

from __future__ import annotations

import re

_REQUEST_ID = re.compile(rb"<(RequestId|requestId)>[^<]*</\1>")


def xml_answers(world, endpoint_url: str) -> list[bytes]:
    """DescribeInstances, DescribeImages, DescribeSecurityGroups, GetRole,
    ListRolePolicies, ListAttachedRolePolicies, ListUsers, GetCallerIdentity and an
    error answer (GetRole of a missing role), in that order, request ids removed."""
    import boto3

    session = boto3.Session(aws_access_key_id=world.learner.access_key_id,
                            aws_secret_access_key=world.learner.secret_access_key,
                            region_name=world.region)
    bodies: list[bytes] = []

    def keep(http_response, **_):
        bodies.append(_REQUEST_ID.sub(b"", http_response.content))

    clients = [session.client(name, endpoint_url=endpoint_url) for name in ("ec2", "iam", "sts")]
    for client in clients:
        client.meta.events.register("after-call.*.*", keep)
    ec2, iam, sts = clients
    ec2.describe_instances()
    ec2.describe_images(Owners=["amazon"])
    ec2.describe_security_groups()
    role = world.truth.role_name
    iam.get_role(RoleName=role)
    iam.list_role_policies(RoleName=role)
    iam.list_attached_role_policies(RoleName=role)
    iam.list_users()
    sts.get_caller_identity()
    try:
        iam.get_role(RoleName="no-such-role")
    except iam.exceptions.NoSuchEntityException:
        pass
    return bodies
