"""`network-acl-denies`: the subnet's network ACL drops an address's traffic inbound with an
entry aimed at it, ahead of the allow rules (labguide.network.verdicts.source_denied: the
entries in rule-number order, the first match decides; a deny of 0.0.0.0/0 or ::/0 does
not count, as it takes everyone else down too; egress entries never count).
"""

from __future__ import annotations

from labguide.checks.context import RoundContext
from labguide.checks.kinds._common import need_fact
from labguide.checks.results import Verdict
from labguide.network import protocol_number
from labguide.network.verdicts import source_denied
from labguide.scenario.kinds import NetworkAclDeniesCheck
from labguide.scenario.model import Step


def run(spec: NetworkAclDeniesCheck, ctx: RoundContext, step: Step | None = None) -> Verdict:
    subnet = need_fact(ctx, spec.subnet, "the subnet")
    source = need_fact(ctx, spec.source, "the address to block")
    what = f"{spec.protocol} port {spec.port}" if spec.port is not None else spec.protocol
    expected = (f"an inbound deny covering {source}/32 ({what}), numbered below the first "
                f"allow that matches, not a deny of everyone, on the ACL of {subnet}")
    acls = ctx.once(("network-acls-of", subnet), lambda: ctx.target.call(
        "ec2", "DescribeNetworkAcls",
        Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]))
    found = acls.get("NetworkAcls") or []
    if not found:
        return Verdict("failed", f"no network ACL is associated with {subnet}", expected,
                       "no network ACL")
    acl = found[0]
    ok, observed = source_denied(acl.get("Entries") or [], source,
                                 protocol=protocol_number(spec.protocol), port=spec.port)
    summary = (f"{acl['NetworkAclId']}: {observed}" if ok else
               f"{source} still gets in: {observed}")
    return Verdict("passed" if ok else "failed", summary, expected, observed)
