"""Whether traffic between a simulated instance and a remote address gets through its VPC.

Reads the instance's subnet network ACL and security groups from moto's EC2 backend, in
the public API's shapes, and judges the connection with `labguide.network` (the one
definition of AWS's rules, shared with the checks). Actors call this before anything
reaches the instance: a connection the network drops never reaches sshd, so it leaves
no line in the instance's logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labguide.network import Packet, PathVerdict, inbound_connection, outbound_connection


@dataclass(frozen=True)
class InstanceNetwork:
    """An instance's place in its VPC, as DescribeNetworkAcls/DescribeSecurityGroups show it."""

    instance_id: str
    private_ip: str
    acl_id: str
    acl_entries: tuple[dict[str, Any], ...]
    ingress: tuple[dict[str, Any], ...]
    egress: tuple[dict[str, Any], ...]


def _entry_shape(entry: Any) -> dict[str, Any]:
    shape: dict[str, Any] = {"RuleNumber": int(entry.rule_number),
                             "Protocol": str(entry.protocol),
                             "RuleAction": str(entry.rule_action).lower(),
                             "Egress": str(entry.egress).lower() == "true"}
    if entry.cidr_block:
        shape["CidrBlock"] = entry.cidr_block
    if entry.ipv6_cidr_block:
        shape["Ipv6CidrBlock"] = entry.ipv6_cidr_block
    if entry.port_range_from is not None or entry.port_range_to is not None:
        shape["PortRange"] = {"From": _int(entry.port_range_from),
                              "To": _int(entry.port_range_to)}
    return shape


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _rule_shape(rule: Any) -> dict[str, Any]:
    shape: dict[str, Any] = {"IpProtocol": rule.ip_protocol or "-1"}
    if rule.from_port is not None:
        shape["FromPort"], shape["ToPort"] = int(rule.from_port), int(rule.to_port)
    if rule.ip_range.get("CidrIp"):
        shape["IpRanges"] = [{"CidrIp": rule.ip_range["CidrIp"]}]
    if rule.ip_range.get("CidrIpv6"):
        shape["Ipv6Ranges"] = [{"CidrIpv6": rule.ip_range["CidrIpv6"]}]
    if rule.source_group:
        shape["UserIdGroupPairs"] = [{"GroupId": rule.source_group.get("GroupId")}]
    return shape


def instance_network(account_id: str, region: str, instance_id: str) -> InstanceNetwork:
    """Read the instance's ACL entries and group rules now; KeyError if it is unknown."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region]
    instance = backend.get_instance(instance_id)
    subnet_id = instance.subnet_id
    acl = next((a for a in backend.network_acls.values()
                if any(assoc.subnet_id == subnet_id for assoc in a.associations)), None)
    if acl is None:  # a subnet with no explicit association uses its VPC's default ACL
        acl = next(a for a in backend.network_acls.values()
                   if a.vpc_id == instance.vpc_id and str(a.default).lower() == "true")
    nic = instance.nics.get(0) if hasattr(instance, "nics") else None
    groups = list(nic.group_set) if nic is not None else list(instance.security_groups)
    ingress = tuple(_rule_shape(r) for g in groups for r in g.ingress_rules)
    egress = tuple(_rule_shape(r) for g in groups for r in g.egress_rules)
    return InstanceNetwork(instance_id, instance.private_ip, acl.id,
                           tuple(_entry_shape(e) for e in acl.network_acl_entries),
                           ingress, egress)


def connection_in(account_id: str, region: str, instance_id: str, *, remote_ip: str,
                  remote_port: int, local_port: int, protocol: int = 6) -> PathVerdict:
    """A connection from `remote_ip:remote_port` to the instance's `local_port`."""
    net = instance_network(account_id, region, instance_id)
    packet = Packet(protocol, remote_ip, net.private_ip, remote_port, local_port)
    return inbound_connection(packet, acl_id=net.acl_id, acl_entries=net.acl_entries,
                              permissions=net.ingress)


def connection_out(account_id: str, region: str, instance_id: str, *, remote_ip: str,
                   remote_port: int, local_port: int, protocol: int = 6) -> PathVerdict:
    """A connection from the instance's `local_port` to `remote_ip:remote_port`."""
    net = instance_network(account_id, region, instance_id)
    packet = Packet(protocol, net.private_ip, remote_ip, local_port, remote_port)
    return outbound_connection(packet, acl_id=net.acl_id, acl_entries=net.acl_entries,
                               permissions_egress=net.egress)
