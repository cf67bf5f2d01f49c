"""Judgements a check makes of a network ACL, in words a learner can act on.

`source_denied`: does the ACL's inbound side drop traffic from one address because of an
entry aimed at it, that is a deny numbered before any allow that would match (the first
match decides: nacl-rules.html), whose range is narrower than the whole internet (a
deny of 0.0.0.0/0 or ::/0 stops the attacker only by stopping everyone)?
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from labguide.network.acls import DEFAULT_RULE, acl_decision, ordered
from labguide.network.packets import Packet


def _range(entry: Mapping[str, Any]) -> str:
    return entry.get("CidrBlock") or entry.get("Ipv6CidrBlock") or "?"


def _whole_internet(entry: Mapping[str, Any]) -> bool:
    return ipaddress.ip_network(_range(entry), strict=False).prefixlen == 0


def source_denied(entries: Iterable[Mapping[str, Any]], source: str, *, protocol: int,
                  port: int | None) -> tuple[bool, str]:
    """(passed, what was found) for traffic from `source` entering the subnet."""
    entries = list(entries)
    packet = Packet(protocol, source, "0.0.0.0" if ":" not in source else "::",
                    50000, port)
    decision = acl_decision(entries, packet, egress=False)
    inbound = ordered(entries, egress=False)
    listed = ", ".join(f"{e['RuleNumber']} {str(e.get('RuleAction')).lower()} {_range(e)}"
                       for e in inbound) or "none"
    if decision.allowed:
        return False, (f"inbound rule {decision.rule_number} allows {source} before any deny "
                       f"(inbound entries: {listed})")
    if decision.rule_number == DEFAULT_RULE:
        return False, (f"no numbered inbound entry matches {source}; only the final * rule "
                       f"drops it, and it drops everything else too (inbound entries: {listed})")
    assert decision.entry is not None
    if _whole_internet(decision.entry):
        return False, (f"inbound rule {decision.rule_number} denies {_range(decision.entry)}: "
                       "everyone, the site's visitors too")
    return True, (f"inbound rule {decision.rule_number} denies {_range(decision.entry)}, "
                  f"ahead of the allow rules (inbound entries: {listed})")
