"""A packet as the VPC's filters see it, and the protocol and address matching they share."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# Names the EC2 API and the AWS CLI accept for protocols, as IANA numbers ("-1": all).
PROTOCOL_NUMBERS = {"-1": -1, "all": -1, "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
PORTED_PROTOCOLS = frozenset({6, 17})  # only TCP and UDP rules carry a port range


@dataclass(frozen=True)
class Packet:
    """One packet: IANA protocol number, addresses, and ports (TCP/UDP only)."""

    protocol: int
    source: str
    destination: str
    source_port: int | None = None
    destination_port: int | None = None

    def reply(self) -> Packet:
        """The packet that answers this one (addresses and ports swapped)."""
        return Packet(self.protocol, self.destination, self.source,
                      self.destination_port, self.source_port)


def protocol_number(value: object) -> int:
    """An API protocol value ("-1", "6", "tcp", 6) as an IANA number; -1 means all."""
    text = str(value).strip().lower()
    if text in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[text]
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"unknown protocol {value!r}") from None
    if not -1 <= number <= 255:
        raise ValueError(f"protocol number out of range: {value!r}")
    return number


def protocol_matches(rule_protocol: object, packet: Packet) -> bool:
    number = protocol_number(rule_protocol)
    return number == -1 or number == packet.protocol


def address_in(address: str, cidr: str | None) -> bool:
    """True when `address` lies in `cidr`; an IPv4 address never matches an IPv6 range."""
    if not cidr:
        return False
    ip = ipaddress.ip_address(address)
    network = ipaddress.ip_network(cidr, strict=False)
    return ip.version == network.version and ip in network


def port_in(port: int | None, low: int | None, high: int | None) -> bool:
    """A port within [low, high]; a missing bound is open on that side."""
    if port is None:
        return True
    return (low is None or port >= low) and (high is None or port <= high)
