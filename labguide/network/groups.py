"""Security group evaluation: allow rules only, the union of every group on the interface.

AWS, "Security group rules" (https://docs.aws.amazon.com/vpc/latest/userguide/
security-group-rules.html): a rule can only allow traffic, there are no deny rules;
with several groups on an instance their rules are aggregated into one set, and traffic
is allowed if any rule allows it. Security groups are stateful: the reply to an allowed
request passes whatever the rules of the other direction say (vpc-security-groups.html),
so callers judge only the direction that opens the connection. Ports apply to TCP and
UDP; a rule of all protocols (-1) covers every port; for ICMP, FromPort/ToPort are the
type and code, -1 meaning any.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from labguide.network.packets import PORTED_PROTOCOLS, Packet, address_in, port_in, protocol_matches


def _ports_match(permission: Mapping[str, Any], packet: Packet) -> bool:
    if packet.protocol not in PORTED_PROTOCOLS:
        return True  # ICMP type/code and other protocols: not modelled beyond the protocol
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low in (None, -1) and high in (None, -1):
        return True
    return port_in(packet.destination_port, low, high)


def _peer_matches(permission: Mapping[str, Any], remote: str,
                  remote_groups: Collection[str]) -> bool:
    for block in permission.get("IpRanges") or []:
        if address_in(remote, block.get("CidrIp")):
            return True
    for block in permission.get("Ipv6Ranges") or []:
        if address_in(remote, block.get("CidrIpv6")):
            return True
    return any(pair.get("GroupId") in remote_groups
               for pair in permission.get("UserIdGroupPairs") or [])


def groups_allow(permissions: Iterable[Mapping[str, Any]], packet: Packet, *, inbound: bool,
                 remote_groups: Collection[str] = ()) -> Mapping[str, Any] | None:
    """The first permission (of any group) allowing the packet, or None: denied.

    `permissions` are IpPermissions (inbound) or IpPermissionsEgress (outbound) of every
    group on the interface; `remote_groups` are the groups of the other end, when it is
    in the same VPC (for rules that name a group instead of a range).
    """
    remote = packet.source if inbound else packet.destination
    for permission in permissions:
        if (protocol_matches(permission.get("IpProtocol", "-1"), packet)
                and _ports_match(permission, packet)
                and _peer_matches(permission, remote, remote_groups)):
            return permission
    return None
