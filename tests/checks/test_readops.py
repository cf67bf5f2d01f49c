"""The one read list: real operation names, and the only rule every layer applies."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session

from labguide.actions.base import Call, Shell
from labguide.readops import READ_OPERATIONS, is_read
from labguide.sim.embedded import changes_state

ROOT = Path(__file__).resolve().parents[2] / "labguide"


def test_every_listed_read_is_an_operation_of_its_service():
    session = botocore.session.get_session()
    for service, operations in READ_OPERATIONS.items():
        model = session.get_service_model(service)
        assert model.signing_name == service  # the journal knows a request by this name
        assert operations <= set(model.operation_names), operations - set(model.operation_names)


def test_only_listed_reads_are_reads():
    assert is_read("ec2", "DescribeInstances") and is_read("cloudtrail", "LookupEvents")
    assert is_read("ssm", "GetCommandInvocation")
    for service, operation in (("ssm", "SendCommand"), ("ec2", "StopInstances"),
                               ("iam", "PutRolePolicy"), ("ec2", "DescribeMadeUpThing"),
                               ("nosuch", "DescribeInstances"), ("sts", "GetSessionToken"),
                               (None, "GetRole"), ("iam", None)):
        assert not is_read(service, operation), (service, operation)


def test_every_layer_applies_the_same_rule():
    for service, operations in READ_OPERATIONS.items():
        for operation in operations:
            assert not Call(service, operation, {}).changes_account
            assert not changes_state(service, operation, "/")
    for service, operation in (("ssm", "SendCommand"), ("guardduty", "CreateFilter")):
        assert Call(service, operation, {}).changes_account
        assert changes_state(service, operation, "/")
    assert Shell("i-0", ("hostname",)).changes_account


def test_no_other_list_of_read_prefixes_exists():
    prefixes = re.compile(r"""\(\s*["'](?:Describe|Get|List)["']\s*,""")
    # Not safety lists: which GuardDuty finding an attacker's call raises, and CloudTrail's
    # own readOnly field of an event (AWS's classification, for any API name).
    elsewhere = {ROOT / "sim" / "attacker.py", ROOT / "sim" / "cloudtrail" / "models.py"}
    found = [path for path in ROOT.rglob("*.py")
             if path not in elsewhere and prefixes.search(path.read_text())]
    assert found == []
