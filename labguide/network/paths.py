"""Whether a connection between an instance and a remote host gets through its VPC.

A connection is a request and its reply. Going into an instance in a subnet, the
request crosses the subnet's network ACL inbound, then the instance's security groups
inbound; the reply crosses the network ACL outbound (stateless) but not the groups
(stateful). Leaving the instance, the request crosses the groups outbound and the ACL
outbound; its reply the ACL inbound. The first filter that drops a packet decides
(https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: network ACLs
are stateless, "responses to allowed inbound traffic are subject to the rules for outbound
traffic"; vpc-security-groups.html: security groups are stateful).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labguide.network.acls import AclDecision, acl_decision
from labguide.network.groups import groups_allow
from labguide.network.packets import Packet


@dataclass(frozen=True)
class PathVerdict:
    """Did the connection get through; if not, which filter dropped which packet."""

    reached: bool
    blocked_by: str | None  # "network-acl" or "security-group"
    detail: str

    @staticmethod
    def through(detail: str) -> PathVerdict:
        return PathVerdict(True, None, detail)


def _acl_text(acl_id: str, direction: str, decision: AclDecision) -> str:
    return f"network ACL {acl_id} {direction} {decision.describe()}"


def inbound_connection(packet: Packet, *, acl_id: str, acl_entries: Iterable[Mapping[str, Any]],
                       permissions: Iterable[Mapping[str, Any]],
                       remote_groups: Collection[str] = ()) -> PathVerdict:
    """A connection opened by `packet.source` to the instance at `packet.destination`."""
    entries = list(acl_entries)
    request = acl_decision(entries, packet, egress=False)
    if not request.allowed:
        return PathVerdict(False, "network-acl", _acl_text(acl_id, "inbound", request))
    if groups_allow(permissions, packet, inbound=True, remote_groups=remote_groups) is None:
        return PathVerdict(False, "security-group",
                           "no security group rule allows it inbound")
    reply = acl_decision(entries, packet.reply(), egress=True)
    if not reply.allowed:
        return PathVerdict(False, "network-acl",
                           _acl_text(acl_id, "outbound", reply) + " dropped the reply")
    return PathVerdict.through(_acl_text(acl_id, "inbound", request))


def outbound_connection(packet: Packet, *, acl_id: str, acl_entries: Iterable[Mapping[str, Any]],
                        permissions_egress: Iterable[Mapping[str, Any]],
                        remote_groups: Collection[str] = ()) -> PathVerdict:
    """A connection opened by the instance at `packet.source` to `packet.destination`."""
    entries = list(acl_entries)
    if groups_allow(permissions_egress, packet, inbound=False,
                    remote_groups=remote_groups) is None:
        return PathVerdict(False, "security-group", "no security group rule allows it outbound")
    request = acl_decision(entries, packet, egress=True)
    if not request.allowed:
        return PathVerdict(False, "network-acl", _acl_text(acl_id, "outbound", request))
    reply = acl_decision(entries, packet.reply(), egress=False)
    if not reply.allowed:
        return PathVerdict(False, "network-acl",
                           _acl_text(acl_id, "inbound", reply) + " dropped the reply")
    return PathVerdict.through(_acl_text(acl_id, "outbound", request))
