"""How a VPC judges traffic, over the public EC2 API's shapes: AWS semantics, no AWS calls.

Below every other layer but the scenario, so the simulator (which decides whether an
attacker's packet reaches an instance) and the checks (which judge whether the learner's
network ACL entry would stop it) apply one definition. Inputs are what DescribeNetworkAcls
(`Entries`) and DescribeSecurityGroups (`IpPermissions`, `IpPermissionsEgress`) return,
as boto3 gives them.
"""

from labguide.network.acls import AclDecision, acl_decision
from labguide.network.groups import groups_allow
from labguide.network.packets import Packet, protocol_number
from labguide.network.paths import PathVerdict, inbound_connection, outbound_connection

__all__ = ["AclDecision", "Packet", "PathVerdict", "acl_decision", "groups_allow",
           "inbound_connection", "outbound_connection", "protocol_number"]
