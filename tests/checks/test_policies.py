"""Which role policy statements count as a revocation of older sessions."""

from datetime import UTC, datetime

import pytest

from labguide.actions.pane import revocation_document
from labguide.checks.policies import _statements, judge_statement

MOMENT = "2026-03-01T10:00:00Z"


def console_statement(**changes):
    statement = {"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                 "Condition": {"DateLessThan": {"aws:TokenIssueTime": MOMENT}}}
    statement.update(changes)
    return statement


def test_the_console_document_counts_with_its_moment():
    (statement,) = _statements(revocation_document(MOMENT))
    assert judge_statement(statement) == (datetime(2026, 3, 1, 10, tzinfo=UTC), "")


def test_string_action_and_resource_count_too():
    moment, _ = judge_statement(console_statement(Action="*", Resource="*"))
    assert moment == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_several_dates_mean_the_latest():
    statement = console_statement(Condition={"DateLessThan": {
        "aws:TokenIssueTime": ["2026-01-01T00:00:00Z", MOMENT]}})
    assert judge_statement(statement)[0] == datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(("changes", "why"), [
    ({"Effect": "Allow"}, "Allow"),
    ({"Action": ["s3:*", "iam:*"]}, "only s3:*, iam:*"),
    ({"Action": "ec2:*"}, "only ec2:*"),
    ({"Resource": ["arn:aws:s3:::bucket/*"]}, "some resources"),
    ({"NotAction": ["iam:*"], "Action": None}, "NotAction"),
    ({"Condition": {"DateLessThanEquals": {"aws:TokenIssueTime": MOMENT}}}, "DateLessThanEquals"),
    ({"Condition": {"DateLessThan": {"aws:TokenIssueTime": MOMENT},
                    "Bool": {"aws:MultiFactorAuthPresent": "false"}}}, "Bool"),
    ({"Condition": {"DateLessThan": {"aws:CurrentTime": MOMENT}}}, "aws:TokenIssueTime alone"),
    ({"Condition": {"DateLessThan": {"aws:TokenIssueTime": "yesterday"}}}, "neither an ISO-8601"),
    ({"Condition": {}}, "new ones too"),
])
def test_statements_that_do_not_revoke(changes, why):
    statement = console_statement(**changes)
    statement = {k: v for k, v in statement.items() if v is not None}
    moment, reason = judge_statement(statement)
    assert moment is None
    assert why in reason


def test_url_encoded_documents_are_read():
    from urllib.parse import quote

    assert len(_statements(quote(revocation_document(MOMENT)))) == 1


def test_epoch_seconds_count_as_iam_reads_them():
    moment, why = judge_statement(console_statement(
        Condition={"DateLessThan": {"aws:TokenIssueTime": "1772359200"}}))
    assert (moment, why) == (datetime(2026, 3, 1, 10, tzinfo=UTC), "")
    moment, why = judge_statement(console_statement(
        Condition={"DateLessThan": {"aws:TokenIssueTime": 1772359200}}))
    assert moment == datetime(2026, 3, 1, 10, tzinfo=UTC)
    moment, why = judge_statement(console_statement(
        Condition={"DateLessThan": {"aws:TokenIssueTime": "next tuesday"}}))
    assert moment is None and "epoch seconds" in why
