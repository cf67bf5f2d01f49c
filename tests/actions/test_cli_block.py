"""A runnable AWS CLI block as an action: classified by the operations it sends, refused
on a real account not opened for changes (nothing sent), confirmed when it changes."""

from __future__ import annotations

import pytest

from labguide.actions import ChangesNotAllowed, ConfirmationRequired
from labguide.actions.cli_block import CliBlockAction
from labguide.lab.guard import CONFIRM, REFUSE, RUN, ActionRequest, decide
from labguide.scenario.aws_cli import parse_block
from labguide.target import Target
from tests.lab.test_guard import connection

READS = ("aws guardduty list-detectors\n"
         "aws ec2 wait instance-running --instance-ids i-1\n"
         "aws iam get-role --role-name r --query Role.Arn --output text")
CHANGE = "aws ec2 describe-instances\naws ec2 stop-instances --instance-ids i-0abc"


def block(code: str) -> CliBlockAction:
    return CliBlockAction(tuple(parse_block(code)))


def test_a_block_changes_the_account_if_any_of_its_calls_does():
    assert not block(READS).changes_account  # a waiter only reads
    assert block(CHANGE).changes_account
    assert block("aws ssm send-command --instance-ids i-1 --document-name "
                 "AWS-RunShellScript --parameters '{\"commands\":[\"id\"]}'").changes_account


def test_on_a_read_only_real_account_a_change_block_is_refused_with_the_reason():
    request = ActionRequest(block(CHANGE), confirm="Run this AWS CLI command?")
    decision = decide(request, connection("aws"))
    assert decision.outcome == REFUSE
    assert "--allow-changes" in decision.message
    assert "aws ec2 stop-instances --instance-ids i-0abc" in decision.message
    assert decide(ActionRequest(block(READS)), connection("aws")).outcome == RUN


def test_a_change_block_is_confirmed_everywhere_and_a_read_block_runs():
    request = ActionRequest(block(CHANGE), confirm="Run this AWS CLI command?")
    for kind in ("sim", "endpoint"):
        assert decide(request, connection(kind)).outcome == CONFIRM
    assert decide(request, connection("aws", allow_changes=True)).outcome == CONFIRM
    assert decide(ActionRequest(block(READS)), connection("sim")).outcome == RUN


def test_the_action_itself_sends_nothing_to_a_real_account_without_permission():
    real = Target(kind="aws", region="eu-west-1")  # no session: any call would fail loudly
    with pytest.raises(ChangesNotAllowed):
        block(CHANGE).run(real, confirmed=True)
    allowed = Target(kind="aws", region="eu-west-1", allow_changes=True)
    with pytest.raises(ConfirmationRequired):
        block(CHANGE).run(allowed, confirmed=False)
