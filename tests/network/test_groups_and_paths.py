"""Security groups and whole connections, table-driven, citing the AWS VPC documentation:

SG    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
      security groups are stateful ("if you send a request from your instance, the
      response traffic for that request is allowed to reach the instance regardless of
      the inbound security group rules", and the reverse); rules only allow.
SGR   https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
      "You can specify allow rules, but not deny rules"; with several groups "the rules
      from each security group are effectively aggregated"; a rule can name a security
      group as its source.
NACL  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
      network ACLs are stateless: "responses to allowed inbound traffic are subject to
      the rules for outbound traffic (and vice versa)"; they are evaluated before the
      security groups for traffic entering the subnet.
"""

from __future__ import annotations

import pytest

from labguide.network import Packet, groups_allow, inbound_connection, outbound_connection

ATTACKER = "203.0.113.50"
INSTANCE = "10.0.0.15"
ANY = [{"CidrIp": "0.0.0.0/0"}]

WEB = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": ANY}]
SSH = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": ANY}]
ALL_OUT = [{"IpProtocol": "-1", "IpRanges": ANY}]
OPEN_ACL = [
    {"RuleNumber": 100, "RuleAction": "allow", "Egress": False, "Protocol": "-1",
     "CidrBlock": "0.0.0.0/0"},
    {"RuleNumber": 100, "RuleAction": "allow", "Egress": True, "Protocol": "-1",
     "CidrBlock": "0.0.0.0/0"},
]


def deny(number, cidr, *, egress=False):
    return {"RuleNumber": number, "RuleAction": "deny", "Egress": egress, "Protocol": "-1",
            "CidrBlock": cidr}


SSH_IN = Packet(6, ATTACKER, INSTANCE, 50022, 22)

GROUP_CASES = [
    ("SGR: a matching allow rule allows", SSH, SSH_IN, True),
    ("SGR: no rule -> denied (allow rules only)", WEB, SSH_IN, False),
    ("SGR: rules of several groups aggregate", WEB + SSH, SSH_IN, True),
    ("SGR: -1 allows every protocol and port", [{"IpProtocol": "-1", "IpRanges": ANY}],
     SSH_IN, True),
    ("SGR: a /32 for another address does not match",
     [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
       "IpRanges": [{"CidrIp": "198.51.100.9/32"}]}], SSH_IN, False),
    ("SGR: a port range covers 22",
     [{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1023, "IpRanges": ANY}], SSH_IN, True),
    ("SGR: protocol number 6 is tcp",
     [{"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "IpRanges": ANY}], SSH_IN, True),
    ("SGR: ::/0 does not cover an IPv4 source",
     [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
       "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}], SSH_IN, False),
    ("SGR: ::/0 covers an IPv6 source",
     [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
       "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}], Packet(6, "2001:db8::5", "2001:db8:1::f", 5, 22),
     True),
]


@pytest.mark.parametrize(("doc", "permissions", "packet", "allowed"), GROUP_CASES,
                         ids=[c[0] for c in GROUP_CASES])
def test_groups_allow(doc, permissions, packet, allowed):
    assert (groups_allow(permissions, packet, inbound=True) is not None) is allowed, doc


def test_a_rule_naming_a_group_matches_members_of_that_group():
    rule = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "UserIdGroupPairs": [{"GroupId": "sg-bastion"}]}]
    assert groups_allow(rule, SSH_IN, inbound=True, remote_groups={"sg-bastion"})
    assert groups_allow(rule, SSH_IN, inbound=True, remote_groups={"sg-other"}) is None


INBOUND_CASES = [
    ("SG+NACL: open ACL, SSH rule -> through", OPEN_ACL, WEB + SSH, True, None),
    ("NACL: an ingress deny on the source drops the request first",
     OPEN_ACL + [deny(90, f"{ATTACKER}/32")], WEB + SSH, False, "network-acl"),
    ("SG: without an SSH rule the groups drop it", OPEN_ACL, WEB, False, "security-group"),
    ("NACL: stateless - an egress deny on the source drops the reply",
     OPEN_ACL + [deny(90, f"{ATTACKER}/32", egress=True)], WEB + SSH, False, "network-acl"),
    ("SG: stateful - no outbound group rule is needed for the reply", OPEN_ACL, SSH, True,
     None),
]


@pytest.mark.parametrize(("doc", "acl", "permissions", "reached", "blocked_by"), INBOUND_CASES,
                         ids=[c[0] for c in INBOUND_CASES])
def test_inbound_connection(doc, acl, permissions, reached, blocked_by):
    verdict = inbound_connection(SSH_IN, acl_id="acl-1", acl_entries=acl,
                                 permissions=permissions)
    assert (verdict.reached, verdict.blocked_by) == (reached, blocked_by), doc


def test_reply_is_judged_on_the_ephemeral_port():
    # NACL: a custom ACL allowing SSH in but only port 80 out drops SSH's replies,
    # which go to the client's ephemeral port (nacl-ephemeral-ports.html).
    acl = [{"RuleNumber": 100, "RuleAction": "allow", "Egress": False, "Protocol": "6",
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}},
           {"RuleNumber": 100, "RuleAction": "allow", "Egress": True, "Protocol": "6",
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 80, "To": 80}}]
    verdict = inbound_connection(SSH_IN, acl_id="acl-1", acl_entries=acl, permissions=SSH)
    assert not verdict.reached and "dropped the reply" in verdict.detail
    acl[1]["PortRange"] = {"From": 1024, "To": 65535}
    assert inbound_connection(SSH_IN, acl_id="acl-1", acl_entries=acl, permissions=SSH).reached


OUT = Packet(6, INSTANCE, ATTACKER, 41000, 443)

OUTBOUND_CASES = [
    ("SG: the default outbound rule allows all", OPEN_ACL, ALL_OUT, True, None),
    ("SG: no outbound rule -> dropped by the groups", OPEN_ACL, [], False, "security-group"),
    ("NACL: an egress deny on the destination drops the request",
     OPEN_ACL + [deny(90, f"{ATTACKER}/32", egress=True)], ALL_OUT, False, "network-acl"),
    ("NACL: stateless - an ingress deny on the remote drops the reply",
     OPEN_ACL + [deny(90, f"{ATTACKER}/32")], ALL_OUT, False, "network-acl"),
]


@pytest.mark.parametrize(("doc", "acl", "egress", "reached", "blocked_by"), OUTBOUND_CASES,
                         ids=[c[0] for c in OUTBOUND_CASES])
def test_outbound_connection(doc, acl, egress, reached, blocked_by):
    verdict = outbound_connection(OUT, acl_id="acl-1", acl_entries=acl,
                                  permissions_egress=egress)
    assert (verdict.reached, verdict.blocked_by) == (reached, blocked_by), doc
