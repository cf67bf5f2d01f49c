"""The simulator reads an instance's ACL and groups from moto as the EC2 API shows them,
and judges connections with labguide.network (AWS VPC docs cited in tests/network).
Changes made through the EC2 API (as a learner makes them) take effect at once."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from labguide.sim.vpc_paths import connection_in, connection_out, instance_network

REGION = "ap-southeast-2"
ATTACKER = "203.0.113.50"


@pytest.fixture
def web():
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="web", Description="web",
                                          VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        instance = ec2.run_instances(ImageId="ami-0abcdef1234567890", MinCount=1, MaxCount=1,
                                     SubnetId=subnet, SecurityGroupIds=[group],
                                     PrivateIpAddress="10.0.0.15")["Instances"][0]["InstanceId"]
        acl = ec2.describe_network_acls(Filters=[
            {"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"][0]
        yield ec2, instance, group, acl["NetworkAclId"]


def ssh(instance):
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    return connection_in(account, REGION, instance, remote_ip=ATTACKER, remote_port=50022,
                         local_port=22)


def test_reads_what_the_api_shows(web):
    ec2, instance, group, acl_id = web
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    net = instance_network(account, REGION, instance)
    api = ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]["Entries"]
    assert sorted((e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in net.acl_entries) == \
        sorted((e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in api)
    assert net.acl_id == acl_id and net.private_ip == "10.0.0.15"
    assert {(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in net.ingress} == \
        {(22, "0.0.0.0/0"), (80, "0.0.0.0/0")}


def test_open_web_server_lets_ssh_in(web):
    _, instance, _, _ = web
    assert ssh(instance).reached


def test_ingress_deny_before_the_allow_blocks_at_the_acl(web):
    ec2, instance, _, acl_id = web
    ec2.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=90, Protocol="-1",
                                 RuleAction="deny", Egress=False, CidrBlock=f"{ATTACKER}/32")
    verdict = ssh(instance)
    assert (verdict.reached, verdict.blocked_by) == (False, "network-acl")
    assert "rule 90 (deny)" in verdict.detail


def test_ingress_deny_after_the_allow_changes_nothing(web):
    ec2, instance, _, acl_id = web
    ec2.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=110, Protocol="-1",
                                 RuleAction="deny", Egress=False, CidrBlock=f"{ATTACKER}/32")
    assert ssh(instance).reached


def test_cli_style_protocol_name_and_port_range(web):
    ec2, instance, _, acl_id = web
    ec2.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=90, Protocol="6",
                                 RuleAction="deny", Egress=False, CidrBlock=f"{ATTACKER}/32",
                                 PortRange={"From": 22, "To": 22})
    assert not ssh(instance).reached


def test_revoking_the_ssh_rule_blocks_at_the_group(web):
    ec2, instance, group, _ = web
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    verdict = ssh(instance)
    assert (verdict.reached, verdict.blocked_by) == (False, "security-group")


def test_outbound_to_the_attacker_and_its_reply(web):
    ec2, instance, _, acl_id = web
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]

    def out():
        return connection_out(account, REGION, instance, remote_ip=ATTACKER, remote_port=443,
                              local_port=41000)

    assert out().reached  # the default group allows all outbound
    ec2.create_network_acl_entry(NetworkAclId=acl_id, RuleNumber=90, Protocol="-1",
                                 RuleAction="deny", Egress=False, CidrBlock=f"{ATTACKER}/32")
    verdict = out()  # stateless: the inbound deny drops the reply
    assert not verdict.reached and "dropped the reply" in verdict.detail
