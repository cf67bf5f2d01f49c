"""Network ACL evaluation, table-driven. Each case cites the AWS VPC documentation:

NACL  https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html
      "Rules are evaluated starting with the lowest numbered rule. As soon as a rule
      matches traffic, it's applied regardless of any higher-numbered rule that might
      contradict it"; a packet matching no numbered rule is denied by the `*` rule;
      inbound and outbound rules are separate.
DEF   https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html
      the default network ACL: rule 100 allows all IPv4 traffic, `*` denies.
API   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html
      Protocol "-1" means all protocols; with -1 or a protocol other than 6, 17, 1 (58),
      traffic on all ports is allowed regardless of any port range.
"""

from __future__ import annotations

import pytest

from labguide.network import Packet, acl_decision
from labguide.network.acls import DEFAULT_RULE

ATTACKER = "203.0.113.50"
VISITOR = "198.51.100.7"
INSTANCE = "10.0.0.15"


def entry(number, action, cidr="0.0.0.0/0", *, egress=False, protocol="-1", ports=None,
          ipv6=None):
    e = {"RuleNumber": number, "RuleAction": action, "Egress": egress, "Protocol": protocol}
    if ipv6:
        e["Ipv6CidrBlock"] = ipv6
    else:
        e["CidrBlock"] = cidr
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


DEFAULT = [entry(100, "allow"), entry(32767, "deny"),
           entry(100, "allow", egress=True), entry(32767, "deny", egress=True)]


def ssh_from(source, port=22):
    return Packet(6, source, INSTANCE, 50022, port)


CASES = [
    # (doc, entries, packet, egress, allowed, deciding rule)
    ("DEF: default ACL allows all inbound", DEFAULT, ssh_from(ATTACKER), False, True, 100),
    ("NACL: lower-numbered deny wins over the allow",
     DEFAULT + [entry(90, "deny", f"{ATTACKER}/32")], ssh_from(ATTACKER), False, False, 90),
    ("NACL: the deny covers only its CIDR; others still match 100",
     DEFAULT + [entry(90, "deny", f"{ATTACKER}/32")], ssh_from(VISITOR), False, True, 100),
    ("NACL: a deny numbered after the allow is never reached",
     DEFAULT + [entry(110, "deny", f"{ATTACKER}/32")], ssh_from(ATTACKER), False, True, 100),
    ("NACL: order is by number, not by the order entries are listed",
     [entry(200, "allow"), entry(50, "deny", "203.0.113.0/24")], ssh_from(ATTACKER), False,
     False, 50),
    ("NACL: ingress and egress are separate lists (an egress deny does not judge inbound)",
     DEFAULT + [entry(90, "deny", f"{ATTACKER}/32", egress=True)], ssh_from(ATTACKER), False,
     True, 100),
    ("NACL: egress rules match the destination address",
     DEFAULT + [entry(90, "deny", f"{ATTACKER}/32", egress=True)],
     ssh_from(ATTACKER).reply(), True, False, 90),
    ("NACL: no numbered rule matches -> the * rule denies",
     [entry(100, "allow", "10.0.0.0/16")], ssh_from(ATTACKER), False, False, DEFAULT_RULE),
    ("NACL: an empty ACL denies everything", [], ssh_from(ATTACKER), False, False,
     DEFAULT_RULE),
    ("API: a TCP rule applies to its port range only (22 is not in 80-80)",
     [entry(90, "deny", f"{ATTACKER}/32", protocol="6", ports=(80, 80))] + DEFAULT,
     ssh_from(ATTACKER), False, True, 100),
    ("API: a TCP rule on port 22 matches SSH",
     [entry(90, "deny", f"{ATTACKER}/32", protocol="6", ports=(22, 22))] + DEFAULT,
     ssh_from(ATTACKER), False, False, 90),
    ("API: port ranges are inclusive",
     [entry(90, "deny", "0.0.0.0/0", protocol="6", ports=(20, 22))] + DEFAULT,
     ssh_from(ATTACKER), False, False, 90),
    ("API: a UDP rule does not match TCP",
     [entry(90, "deny", f"{ATTACKER}/32", protocol="17", ports=(22, 22))] + DEFAULT,
     ssh_from(ATTACKER), False, True, 100),
    ("API: protocol names are the same protocol (tcp = 6)",
     [entry(90, "deny", f"{ATTACKER}/32", protocol="tcp", ports=(22, 22))] + DEFAULT,
     ssh_from(ATTACKER), False, False, 90),
    ("API: -1 covers every protocol and port, whatever PortRange says",
     [entry(90, "deny", f"{ATTACKER}/32", protocol="-1", ports=(80, 80))] + DEFAULT,
     ssh_from(ATTACKER), False, False, 90),
    ("API: an ICMP rule covers no TCP packet",
     [entry(90, "deny", f"{ATTACKER}/32", protocol="1")] + DEFAULT,
     ssh_from(ATTACKER), False, True, 100),
    ("NACL: a wider CIDR covers the /32",
     DEFAULT + [entry(90, "deny", "203.0.112.0/23")], ssh_from(ATTACKER), False, False, 90),
    ("DEF: IPv4 entries never match IPv6 traffic (IPv6 needs its own entries)",
     [entry(100, "allow")], Packet(6, "2001:db8::5", "2001:db8:1::15", 50022, 22), False,
     False, DEFAULT_RULE),
    ("DEF: an IPv6 entry matches IPv6 traffic",
     [entry(101, "allow", ipv6="::/0")], Packet(6, "2001:db8::5", "2001:db8:1::15", 50022, 22),
     False, True, 101),
    ("API: Egress as the query protocol's string 'true' is an egress rule",
     [entry(90, "deny", f"{ATTACKER}/32", egress="true"), *DEFAULT], ssh_from(ATTACKER), False,
     True, 100),
]


@pytest.mark.parametrize(("doc", "entries", "packet", "egress", "allowed", "rule"), CASES,
                         ids=[c[0] for c in CASES])
def test_acl_decision(doc, entries, packet, egress, allowed, rule):
    decision = acl_decision(entries, packet, egress=egress)
    assert (decision.allowed, decision.rule_number) == (allowed, rule), doc


def test_decision_describes_the_star_rule():
    assert acl_decision([], ssh_from(ATTACKER), egress=False).describe() == "rule * (deny)"
    assert acl_decision(DEFAULT, ssh_from(ATTACKER), egress=False).describe() == \
        "rule 100 (allow)"


def test_unknown_protocol_is_an_error():
    with pytest.raises(ValueError, match="unknown protocol"):
        acl_decision([entry(1, "deny", protocol="sctp-ish")], ssh_from(ATTACKER), egress=False)
