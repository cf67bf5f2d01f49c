"""The SSH guessing actor against a moto instance: the VPC decides first, then sshd as it
runs; GuardDuty counts what got through. A stand-in host keeps files and the config each
service started with (the real one is the instance host of sim/hosts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from labguide.sim.install import install_extensions
from labguide.sim.ssh_guessing import Guess, GuessingPlan, SshGuesser
from labguide.sim.sshd import UserAccount

REGION = "ap-southeast-2"
ATTACKER = "203.0.113.50"
# An hour ago on the wall clock (this account has no world clock): GuardDuty has
# published what happened then (it publishes some minutes after the activity).
AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
BRUTE = "UnauthorizedAccess:EC2/SSHBruteForce"
CALLER = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"
CONFIG = "PasswordAuthentication yes\nChallengeResponseAuthentication no\nUsePAM yes\n" \
         "GSSAPIAuthentication yes\n"
GUESSES = (Guess("admin", "admin"), Guess("root", "123456"), Guess("alice", "letmein"),
           Guess("alice", "Summer2026!"))


class StandInHost:
    hostname = "ip-10-0-0-15"

    def __init__(self):
        self.files = {"/etc/ssh/sshd_config": CONFIG, "/var/log/secure": ""}
        self.started = {"sshd": dict(self.files)}

    def users(self):
        return {"alice": UserAccount("alice", 1001, "Summer2026!"),
                "root": UserAccount("root", 0, None)}

    def running_config(self, service, path):
        return self.started[service].get(path) if service in self.started else None

    def append(self, path, text, at=None):
        self.files[path] = self.files.get(path, "") + text

    def restart(self, service):
        self.started[service] = dict(self.files)


@pytest.fixture
def world():
    install_extensions()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        gd = boto3.client("guardduty", region_name=REGION)
        account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="web", Description="web",
                                          VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for p in (22, 80)])
        instance = ec2.run_instances(ImageId="ami-0abcdef1234567890", MinCount=1, MaxCount=1,
                                     SubnetId=subnet, SecurityGroupIds=[group],
                                     PrivateIpAddress="10.0.0.15")["Instances"][0]["InstanceId"]
        acl = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                  "Values": [subnet]}])["NetworkAcls"][0]
        detector = gd.create_detector(Enable=True)["DetectorId"]
        host = StandInHost()
        plan = GuessingPlan(account_id=account, region=REGION, instance_id=instance,
                            source_ip=ATTACKER, guesses=GUESSES, detector_id=detector,
                            inbound_finding_type=BRUTE, outbound_finding_type=CALLER,
                            threat_list_name="Custom-Threat-List-1", connect_back_port=443)
        yield {"ec2": ec2, "gd": gd, "acl": acl["NetworkAclId"], "group": group,
               "host": host, "actor": SshGuesser(plan, host), "detector": detector}


def count(w, finding_type):
    ids = w["gd"].list_findings(DetectorId=w["detector"], FindingCriteria={
        "Criterion": {"type": {"Eq": [finding_type]}}})["FindingIds"]
    if not ids:
        return 0
    return w["gd"].get_findings(DetectorId=w["detector"], FindingIds=ids)["Findings"][0][
        "Service"]["Count"]


def log(w):
    return w["host"].files["/var/log/secure"]


def test_open_server_logs_guesses_and_the_login(world):
    made = world["actor"].run_round(AT)
    assert [(c.allowed, c.error_code) for c in made] == [
        (False, "wrong password"), (False, "wrong password"), (False, "wrong password"),
        (True, None)]
    text = log(world)
    assert f"Invalid user admin from {ATTACKER} port 40001" in text
    assert f"Failed password for invalid user admin from {ATTACKER} port 40001 ssh2" in text
    assert f"Failed password for root from {ATTACKER} port 40002 ssh2" in text
    assert f"Accepted password for alice from {ATTACKER} port 40004 ssh2" in text
    first = AT - timedelta(seconds=len(GUESSES) - 1)  # the round's last guess is at AT
    assert text.startswith(f"{first:%b} {first.day:>2} {first:%H:%M:%S} ip-10-0-0-15 sshd[")
    assert made[-1].at == AT
    assert count(world, BRUTE) == 4
    assert count(world, CALLER) == 1  # the instance connected back to the listed address
    world["actor"].run_round(AT + timedelta(minutes=2))
    assert count(world, BRUTE) == 8
    ids = world["gd"].list_findings(DetectorId=world["detector"])["FindingIds"]
    for finding in world["gd"].get_findings(DetectorId=world["detector"],
                                            FindingIds=ids)["Findings"]:
        details = finding["Resource"]["InstanceDetails"]
        assert details["InstanceId"] == world["actor"].plan.instance_id
        assert details["NetworkInterfaces"][0]["PrivateIpAddress"] == "10.0.0.15"
        assert details["NetworkInterfaces"][0]["SecurityGroups"][0]["GroupId"] == world["group"]


def test_nacl_deny_before_the_allow_blocks_without_a_log_line(world):
    world["actor"].run_round(AT)
    before, counted = log(world), count(world, BRUTE)
    world["ec2"].create_network_acl_entry(NetworkAclId=world["acl"], RuleNumber=90,
                                          Protocol="-1", RuleAction="deny", Egress=False,
                                          CidrBlock=f"{ATTACKER}/32")
    made = world["actor"].run_round(AT + timedelta(minutes=2))
    assert all(c.error_code == "blocked (NACL)" for c in made)
    assert "rule 90 (deny)" in made[0].api
    assert log(world) == before and count(world, BRUTE) == counted


def test_deny_numbered_after_the_allow_changes_nothing(world):
    world["ec2"].create_network_acl_entry(NetworkAclId=world["acl"], RuleNumber=110,
                                          Protocol="-1", RuleAction="deny", Egress=False,
                                          CidrBlock=f"{ATTACKER}/32")
    assert world["actor"].run_round(AT)[-1].allowed


def test_closing_ssh_in_the_group_blocks_at_the_group(world):
    world["ec2"].revoke_security_group_ingress(GroupId=world["group"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    made = world["actor"].run_round(AT)
    assert all(c.error_code == "blocked (SG)" for c in made) and log(world) == ""


def test_password_auth_off_takes_effect_at_the_restart_only(world):
    host = world["host"]
    host.files["/etc/ssh/sshd_config"] = CONFIG.replace("PasswordAuthentication yes",
                                                        "PasswordAuthentication no")
    assert world["actor"].run_round(AT)[-1].allowed  # edited, not restarted: still on
    host.restart("sshd")
    made = world["actor"].run_round(AT + timedelta(minutes=2))
    assert [c.error_code for c in made] == ["no password auth"] * 4
    tail = log(world).split("Accepted password")[-1]
    assert f"Connection closed by authenticating user alice {ATTACKER} port 40008 [preauth]" \
        in tail and "Failed password" not in tail


def test_sshd_stopped_refuses_connections(world):
    world["host"].started.pop("sshd")
    assert {c.error_code for c in world["actor"].run_round(AT)} == {"refused"}


def test_connect_back_is_reported_only_for_an_address_on_an_active_threat_list(world):
    from dataclasses import replace

    actor = SshGuesser(replace(world["actor"].plan, threat_list_name=None), world["host"])
    actor.run_round(AT)
    assert count(world, CALLER) == 0  # not listed anywhere: GuardDuty says nothing
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="lists", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="lists", Key="t.txt", Body=f"{ATTACKER}\n".encode())
    world["gd"].create_threat_intel_set(DetectorId=world["detector"], Name="Custom-1",
                                        Format="TXT", Activate=True,
                                        Location="https://s3.amazonaws.com/lists/t.txt")
    actor.run_round(AT + timedelta(minutes=2))
    assert count(world, CALLER) == 1
