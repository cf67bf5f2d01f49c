"""`source_denied`, the judgement behind "the attacker is blocked in the network ACL":
an ingress deny covering the address, decided before any allow (nacl-rules.html: lowest
number first, first match wins), not a deny of everyone. Egress entries never count
(ingress and egress are separate lists)."""

from __future__ import annotations

import pytest

from labguide.network.verdicts import source_denied

A = "203.0.113.50"


def entry(number, action, cidr="0.0.0.0/0", *, egress=False, protocol="-1", ports=None):
    e = {"RuleNumber": number, "RuleAction": action, "Egress": egress, "Protocol": protocol,
         "CidrBlock": cidr}
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


DEFAULT = [entry(100, "allow"), entry(32767, "deny"), entry(100, "allow", egress=True),
           entry(32767, "deny", egress=True)]

CASES = [
    ("deny /32 at 90", [entry(90, "deny", f"{A}/32")], True, "rule 90 denies"),
    ("deny a /24 around it", [entry(99, "deny", "203.0.113.0/24")], True, "rule 99"),
    ("deny TCP 22 only", [entry(90, "deny", f"{A}/32", protocol="6", ports=(22, 22))], True,
     "rule 90"),
    ("deny on another address", [entry(90, "deny", "198.51.100.77/32")], False,
     "rule 100 allows"),
    ("deny numbered after the allow", [entry(110, "deny", f"{A}/32")], False,
     "rule 100 allows"),
    ("egress deny instead", [entry(90, "deny", f"{A}/32", egress=True)], False,
     "rule 100 allows"),
    ("deny of everything", [entry(90, "deny", "0.0.0.0/0")], False, "everyone"),
    ("deny on port 80 only", [entry(90, "deny", f"{A}/32", protocol="6", ports=(80, 80))],
     False, "rule 100 allows"),
    ("everything first, then the /32", [entry(80, "deny"), entry(90, "deny", f"{A}/32")],
     False, "everyone"),
    ("untouched default ACL", [], False, "rule 100 allows"),
]


@pytest.mark.parametrize(("doc", "extra", "passed", "words"), CASES, ids=[c[0] for c in CASES])
def test_source_denied(doc, extra, passed, words):
    ok, observed = source_denied(DEFAULT + extra, A, protocol=6, port=22)
    assert ok is passed, (doc, observed)
    assert words in observed


def test_only_the_star_rule_is_no_targeted_deny():
    ok, observed = source_denied([entry(100, "allow", "10.0.0.0/16"), entry(32767, "deny")], A,
                                 protocol=6, port=22)
    assert not ok and "only the final * rule" in observed
