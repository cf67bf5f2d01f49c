"""GuardDuty findings from network connections (actionType NETWORK_CONNECTION).

A generation hook beside `SimGuardDutyBackend.record_api_call`: an actor whose
connection to or from an instance got through the VPC calls `record_connection` once
per connection. GuardDuty keeps one finding per (type, instance, remote address) and,
as for API calls, raises its `count` and moves `eventLastSeen` for each repeat. Shapes
follow the GuardDuty API (Finding > Service > Action > NetworkConnectionAction) and the
finding-type pages:
https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html
(`UnauthorizedAccess:EC2/SSHBruteForce`: resource role TARGET, severity low when the
instance is the target; `UnauthorizedAccess:EC2/MaliciousIPCaller.Custom`: the instance
communicates with an address on a custom threat list, severity medium).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from moto.utilities.utils import get_partition

from labguide.sim.clock import to_utc
from labguide.sim.guardduty.models import (
    SCHEMA_VERSION,
    SimGuardDutyBackend,
    remote_ip_details,
    to_wire_keys,
    wire_time,
)

# Port names GuardDuty prints in localPortDetails/remotePortDetails.
PORT_NAMES = {22: "SSH", 80: "HTTP", 443: "HTTPS", 3389: "RDP", 53: "DNS", 25: "SMTP"}
SEVERITY = {"UnauthorizedAccess:EC2/SSHBruteForce": 2.0,
            "UnauthorizedAccess:EC2/RDPBruteForce": 2.0,
            "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom": 5.0}
PROTOCOL_NAMES = {6: "TCP", 17: "UDP", 1: "ICMP"}


def title_and_description(finding_type: str, *, instance_id: str, remote_ip: str,
                          direction: str, threat_list: str | None) -> tuple[str, str]:
    """The finding's title and description, worded as GuardDuty words these types."""
    if finding_type.endswith("BruteForce"):
        protocol = finding_type.rsplit("/", 1)[-1].removesuffix("BruteForce")
        if direction == "INBOUND":
            title = (f"{remote_ip} is performing {protocol} brute force attacks against "
                     f"{instance_id}.")
            return title, (f"{remote_ip} is performing {protocol} brute force attacks against "
                           f"{instance_id}. Brute force attacks are used to gain unauthorized "
                           f"access to your instance by guessing the {protocol} password.")
        title = f"{instance_id} is performing {protocol} brute force attacks against {remote_ip}."
        return title, (f"{instance_id} is performing {protocol} brute force attacks against "
                       f"{remote_ip}. This instance might be compromised.")
    listed = f" on the custom threat list {threat_list}" if threat_list else ""
    way = "outbound with" if direction == "OUTBOUND" else "inbound with"
    return (f"EC2 instance {instance_id} is communicating with a custom threat list IP address.",
            f"EC2 instance {instance_id} is communicating {way} an IP address {remote_ip}"
            f"{listed}.")


def port_details(port: int) -> dict[str, Any]:
    return {"port": port, "portName": PORT_NAMES.get(port, "Unknown")}


def record_connection(backend: SimGuardDutyBackend, detector_id: str, *, finding_type: str,
                      instance_details: Mapping[str, Any], direction: str, local_ip: str,
                      local_port: int, remote_ip: str, remote_port: int, at: datetime,
                      protocol: int = 6, resource_role: str | None = None,
                      threat_list_name: str | None = None,
                      severity: float | None = None) -> str:
    """Upsert the finding of (type, instance, remote address) for one connection; its id."""
    if direction not in ("INBOUND", "OUTBOUND"):
        raise ValueError(f"direction must be INBOUND or OUTBOUND, not {direction!r}")
    backend.get_detector(detector_id)
    details = to_wire_keys(dict(instance_details))
    instance_id = details.get("instanceId")
    if not instance_id:
        raise ValueError("instance_details needs an instanceId")
    role = resource_role or ("TARGET" if direction == "INBOUND" else "ACTOR")
    finding_id = hashlib.md5(
        f"{backend.account_id}/{detector_id}/{finding_type}/{instance_id}/{remote_ip}".encode()
    ).hexdigest()
    when = wire_time(to_utc(at))
    title, description = title_and_description(
        finding_type, instance_id=instance_id, remote_ip=remote_ip, direction=direction,
        threat_list=threat_list_name)
    action = {
        "actionType": "NETWORK_CONNECTION",
        "networkConnectionAction": {
            "blocked": False,
            "connectionDirection": direction,
            "localIpDetails": {"ipAddressV4": local_ip},
            "localPortDetails": port_details(local_port),
            "protocol": PROTOCOL_NAMES.get(protocol, str(protocol)),
            "remoteIpDetails": remote_ip_details(remote_ip),
            "remotePortDetails": port_details(remote_port),
        },
    }
    def update(published: dict[str, Any]) -> dict[str, Any]:
        service = {**published["service"], "count": published["service"]["count"] + 1,
                   "action": action,
                   "eventLastSeen": max(published["service"]["eventLastSeen"], when)}
        return {**published, "service": service}

    def first() -> dict[str, Any]:
        service: dict[str, Any] = {
            "action": action,
            "archived": False,
            "count": 1,
            "detectorId": detector_id,
            "eventFirstSeen": when,
            "eventLastSeen": when,
            "resourceRole": role,
            "serviceName": "guardduty",
        }
        if threat_list_name:  # "listed in the Additional information section" (finding types)
            service["additionalInfo"] = {
                "value": json.dumps({"threatListName": threat_list_name}, separators=(",", ":")),
                "type": "default"}
            service["evidence"] = {
                "threatIntelligenceDetails": [{"threatListName": threat_list_name,
                                               "threatNames": []}]}
        partition = get_partition(backend.region_name)
        return {
            "accountId": backend.account_id,
            "arn": f"arn:{partition}:guardduty:{backend.region_name}:{backend.account_id}:"
                   f"detector/{detector_id}/finding/{finding_id}",
            "createdAt": None,  # the publication moments: record_occurrence
            "description": description,
            "id": finding_id,
            "partition": partition,
            "region": backend.region_name,
            "resource": {"resourceType": "Instance", "instanceDetails": details},
            "schemaVersion": SCHEMA_VERSION,
            "service": service,
            "severity": float(severity if severity is not None
                              else SEVERITY.get(finding_type, 5.0)),
            "title": title,
            "type": finding_type,
            "updatedAt": None,
        }

    return backend.record_occurrence(finding_id, at, first, update)


def instance_details(account_id: str, region: str, instance_id: str,
                     image_description: str | None = None) -> dict[str, Any]:
    """An instance as a GuardDuty finding describes it (resource.instanceDetails), from
    moto's EC2: the fields of botocore's InstanceDetails that real findings carry (see
    tests/sim/test_guardduty_samples.py for the public findings each follows), one
    networkInterfaces entry per interface with its private and public addresses."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region]
    instance = backend.get_instance(instance_id)
    association = backend.iam_instance_profile_associations.get(instance_id)
    profile = association.iam_instance_profile if association is not None else None
    nics = []
    for nic in instance.nics.values():
        private_dns = f"ip-{nic.private_ip_address.replace('.', '-')}.{region}.compute.internal"
        entry: dict[str, Any] = {
            "ipv6Addresses": [],
            "networkInterfaceId": nic.id,
            "privateDnsName": private_dns,
            "privateIpAddress": nic.private_ip_address,
            "privateIpAddresses": [{"privateDnsName": private_dns,
                                    "privateIpAddress": nic.private_ip_address}],
        }
        if nic.public_ip:
            entry["publicDnsName"] = (f"ec2-{nic.public_ip.replace('.', '-')}.{region}."
                                      "compute.amazonaws.com")
            entry["publicIp"] = nic.public_ip
        entry.update({
            "securityGroups": [{"groupId": g.id, "groupName": g.name} for g in nic.group_set],
            "subnetId": nic.subnet.id,
            "vpcId": nic.subnet.vpc_id,
        })
        nics.append(entry)
    details: dict[str, Any] = {"availabilityZone": instance.placement.zone}
    if profile is not None:
        details["iamInstanceProfile"] = {"arn": profile.arn, "id": profile.id}
    image = backend.amis.get(instance.image_id)
    description = image_description or getattr(image, "description", None)
    if description:
        details["imageDescription"] = description
    details.update({
        "imageId": instance.image_id,
        "instanceId": instance.id,
        "instanceState": instance.state,
        "instanceType": instance.instance_type,
        "launchTime": to_utc(instance.launch_time).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if not isinstance(instance.launch_time, str) else instance.launch_time,
        "networkInterfaces": nics,
        "productCodes": [],
        "tags": sorted(({"key": t["key"], "value": t["value"]} for t in instance.get_tags()),
                       key=lambda t: t["key"]),
    })
    return details
