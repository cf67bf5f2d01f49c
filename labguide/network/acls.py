"""Network ACL evaluation: numbered entries, lowest first, the first match decides.

AWS, "Network ACL rules" (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html):
rules are evaluated starting with the lowest rule number; as soon as a rule matches the
traffic it is applied, whatever higher-numbered rules say; a packet that matches no
numbered rule is denied by the final `*` rule. Inbound and outbound entries are separate
lists, and network ACLs are stateless: the reply to an allowed request is judged again,
by the entries of the other direction (vpc-network-acls.html). Port ranges apply to TCP
and UDP only and name the packet's destination port; a rule of another protocol, or of
all protocols (-1), covers every port.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labguide.network.packets import (
    PORTED_PROTOCOLS,
    Packet,
    address_in,
    port_in,
    protocol_matches,
    protocol_number,
)

DEFAULT_RULE = 32767  # the `*` rule: what DescribeNetworkAcls shows as RuleNumber 32767


@dataclass(frozen=True)
class AclDecision:
    """The verdict of one direction of a network ACL: which entry decided, and how."""

    allowed: bool
    rule_number: int  # DEFAULT_RULE when no numbered entry matched
    entry: Mapping[str, Any] | None

    def describe(self) -> str:
        rule = "*" if self.rule_number == DEFAULT_RULE else str(self.rule_number)
        return f"rule {rule} ({'allow' if self.allowed else 'deny'})"


def is_egress(entry: Mapping[str, Any]) -> bool:
    value = entry.get("Egress", False)
    return value if isinstance(value, bool) else str(value).lower() == "true"


def entry_matches(entry: Mapping[str, Any], packet: Packet, *, egress: bool) -> bool:
    """Does this entry (of the direction `egress`) cover the packet?"""
    if not protocol_matches(entry.get("Protocol", "-1"), packet):
        return False
    remote = packet.destination if egress else packet.source
    if not (address_in(remote, entry.get("CidrBlock"))
            or address_in(remote, entry.get("Ipv6CidrBlock"))):
        return False
    if protocol_number(entry.get("Protocol", "-1")) in PORTED_PROTOCOLS:
        ports = entry.get("PortRange") or {}
        return port_in(packet.destination_port, ports.get("From"), ports.get("To"))
    return True


def ordered(entries: Iterable[Mapping[str, Any]], *, egress: bool) -> list[Mapping[str, Any]]:
    """The entries of one direction, in evaluation order."""
    return sorted((e for e in entries if is_egress(e) == egress),
                  key=lambda e: int(e["RuleNumber"]))


def acl_decision(entries: Iterable[Mapping[str, Any]], packet: Packet, *,
                 egress: bool) -> AclDecision:
    """Judge a packet crossing the subnet boundary inbound (egress=False) or outbound."""
    for entry in ordered(entries, egress=egress):
        if entry_matches(entry, packet, egress=egress):
            allowed = str(entry.get("RuleAction", "deny")).lower() == "allow"
            return AclDecision(allowed, int(entry["RuleNumber"]), entry)
    return AclDecision(False, DEFAULT_RULE, None)
