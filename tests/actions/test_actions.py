"""Actions: their AWS CLI equivalents, the JSON encoding of string members, the
real-account guard (nothing sent), and running them on moto."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from labguide.actions import (
    ChangesNotAllowed,
    ConfirmationRequired,
    from_operation,
    restart_instance,
    revoke_sessions,
    run_shell_command,
    save_filter,
    stop_instance,
)
from labguide.checks.context import RoundContext
from labguide.checks.policies import role_denies
from labguide.scenario import load_scenario, solution_variables
from labguide.target import Credentials, Target

REGION = "ap-southeast-2"
KEY = "ASIAEXAMPLEKEY123Q3XZ"
CMD = "5c0e6f9a-1b2c-4d3e-8f90-a1b2c3d4e5f6"


def test_pane_action_cli_lines():
    assert save_filter("d1", "stolen-key", KEY, region=REGION).cli == (
        "aws guardduty create-filter --detector-id d1 --name stolen-key --action NOOP "
        "--finding-criteria '{\"Criterion\":{\"resource.accessKeyDetails.accessKeyId\":"
        f"{{\"Eq\":[\"{KEY}\"]}}}}}}' --region {REGION}")
    revoke = revoke_sessions("role-a", "2026-03-01T10:00:00Z", region=REGION)
    assert revoke.cli.startswith("aws iam put-role-policy --role-name role-a --policy-name "
                                 "AWSRevokeOlderSessions --policy-document '{")
    assert revoke.changes_account and "ASIA" not in revoke.describe()
    assert restart_instance("i-1", region=REGION).cli.splitlines() == [
        f"aws ec2 stop-instances --instance-ids i-1 --region {REGION}",
        f"aws ec2 wait instance-stopped --instance-ids i-1 --region {REGION}",
        f"aws ec2 start-instances --instance-ids i-1 --region {REGION}",
        f"aws ec2 wait instance-running --instance-ids i-1 --region {REGION}",
    ]
    shell = run_shell_command("i-1", "echo 'hi there'", region=REGION).cli.splitlines()
    assert shell[0] == ("aws ssm send-command --instance-ids i-1 --document-name "
                        "AWS-RunShellScript --parameters "
                        "'{\"commands\":[\"echo '\"'\"'hi there'\"'\"'\"]}' "
                        f"--region {REGION}")


def test_revocation_is_what_the_console_writes():
    action = revoke_sessions("role-a", "2026-03-01T10:00:00Z")
    (call,) = action.parts
    assert call.params["PolicyName"] == "AWSRevokeOlderSessions"
    assert json.loads(call.params["PolicyDocument"])["Statement"] == [{
        "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-03-01T10:00:00Z"}}}]


def test_solution_operations_are_rendered_and_shaped():
    loaded = load_scenario("compromised-iam-credentials")
    step = loaded.scenario.step("revoke-sessions")
    variables = solution_variables({"role_name": "role-a"}, REGION, None, "2026-03-01T10:00:00Z")
    action = from_operation(step.solve[0], variables, region=REGION)
    (call,) = action.parts
    assert isinstance(call.params["PolicyDocument"], str)  # a structure sent as JSON
    assert "2026-03-01T10:00:00Z" in call.params["PolicyDocument"]
    assert "--policy-document '{" in action.cli
    restart = loaded.scenario.step("restart-instance")
    stop = from_operation(restart.solve[0], solution_variables({"instance_id": "i-9"}, REGION),
                          region=REGION)
    assert stop.cli.splitlines()[1] == f"aws ec2 wait instance-stopped --instance-ids i-9 " \
                                       f"--region {REGION}"


@pytest.fixture
def real_account(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")

    def make(allow_changes: bool) -> tuple[Target, list[str]]:
        target = Target.for_aws(region=REGION, allow_changes=allow_changes)
        calls: list[str] = []

        def count(event_name: str, **_: object) -> None:
            calls.append(event_name)

        def refuse(**_: object) -> None:
            raise AssertionError("a request was about to be sent to a real account")

        target.on_event("before-call.*.*", count)
        target.on_event("before-send.*.*", refuse)
        return target, calls

    return make


@pytest.mark.parametrize("action", [
    save_filter("d1", "f", KEY), revoke_sessions("r", "2026-03-01T10:00:00Z"),
    stop_instance("i-1"), restart_instance("i-1"), run_shell_command("i-1", "id"),
])
def test_a_real_account_is_not_changed_without_confirmation(real_account, action):
    target, calls = real_account(allow_changes=True)
    with pytest.raises(ConfirmationRequired) as refused:
        action.run(target, confirmed=False)
    assert "real account" in str(refused.value) and action.describe() in str(refused.value)
    target, calls_off = real_account(allow_changes=False)
    with pytest.raises(ChangesNotAllowed):
        action.run(target, confirmed=True)
    assert calls == [] and calls_off == []


@pytest.fixture
def moto_target():
    with mock_aws():
        yield Target(kind="endpoint", region=REGION,
                     credentials=Credentials("testing", "testing"))


def test_pane_actions_run_on_moto(moto_target):
    target = moto_target
    target.call("iam", "CreateRole", RoleName="role-a", AssumeRolePolicyDocument="{}")
    revoke_sessions("role-a", "2026-03-01T10:00:00Z").run(target)
    denies = role_denies(RoundContext(target=target), "role-a")
    assert denies.latest.policy == "inline policy AWSRevokeOlderSessions"
    assert denies.latest.moment.isoformat() == "2026-03-01T10:00:00+00:00"

    # Any image id: moto's default AMIs are absent once a SimServer ran in this process.
    instance = target.call("ec2", "RunInstances", ImageId="ami-0abcdef1234567890", MinCount=1,
                           MaxCount=1)["Instances"][0]["InstanceId"]
    result = restart_instance(instance).run(target)
    assert [r.get("StartingInstances", r.get("StoppingInstances"))[0]["InstanceId"]
            for r in result.responses] == [instance, instance]
    state = target.call("ec2", "DescribeInstances", InstanceIds=[instance])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"

    detector = target.call("guardduty", "CreateDetector", Enable=True)["DetectorId"]
    save_filter(detector, "stolen-key", KEY).run(target)
    saved = target.call("guardduty", "GetFilter", DetectorId=detector, FilterName="stolen-key")
    assert saved["FindingCriteria"]["Criterion"]["resource.accessKeyDetails.accessKeyId"] == {
        "Eq": [KEY]}


def test_shell_output_never_carries_the_secret_or_the_token():
    from labguide.actions import redact_secrets

    text = ('{"Code":"Success","AccessKeyId":"ASIAABCDEFGHIJKLQ3XZ",'
            '"SecretAccessKey" : "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2lu"}')
    shown = redact_secrets(text)
    assert "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY" not in shown and "IQoJb3JpZ2lu" not in shown
    assert '"AccessKeyId":"ASIAABCDEFGHIJKLQ3XZ"' in shown and "wJal…(redacted)" in shown


def test_a_waiter_on_the_call_itself_runs_before_the_call():
    """verify-rotation reads GetCommandInvocation right after SendCommand: on AWS that
    answers InvocationDoesNotExist until the invocation exists, so wait first."""
    from botocore.stub import Stubber

    loaded = load_scenario("compromised-iam-credentials")
    read = loaded.scenario.step("verify-rotation").solve[1]
    variables = solution_variables({"instance_id": "i-1"}, REGION,
                                   {"command": {"Command": {"CommandId": CMD}}})
    action = from_operation(read, variables, region=REGION)
    assert [line.split()[:3] for line in action.cli.splitlines()] == [
        ["aws", "ssm", "wait"], ["aws", "ssm", "get-command-invocation"]]
    target = Target(kind="endpoint", region=REGION, endpoint_url="http://127.0.0.1:9",
                    credentials=Credentials("AKIAEXAMPLEEXAMPLE00", "testing"))
    stubber = Stubber(target.client("ssm"))
    expected = {"CommandId": CMD, "InstanceId": "i-1"}
    stubber.add_client_error("get_command_invocation", "InvocationDoesNotExist",
                             expected_params=expected)
    done = {"CommandId": CMD, "InstanceId": "i-1", "Status": "Success",
            "StandardOutputContent": '{"AccessKeyId":"ASIANEWKEY"}'}
    stubber.add_response("get_command_invocation", done, expected)
    stubber.add_response("get_command_invocation", done, expected)
    with stubber:
        result = action.run(target)
    assert result.response["Status"] == "Success"
    stubber.assert_no_pending_responses()


def test_bare_secrets_in_shell_output_are_redacted():
    from labguide.actions import redact_secrets

    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD" * 4 + "Ab=="
    text = (f"AWS_ACCESS_KEY_ID=ASIAABCDEFGHIJKLQ3XZ\nAWS_SECRET_ACCESS_KEY={secret}\n"
            f"export AWS_SESSION_TOKEN='{token}'\n"
            "commit 3f786850e387550fdab836ed7e6dc881de23001b /usr/local/lib/python3/site\n")
    shown = redact_secrets(text)
    assert secret not in shown and secret[4:20] not in shown
    assert token not in shown and token[4:60] not in shown
    assert "AWS_SECRET_ACCESS_KEY=wJal…(redacted)" in shown
    assert "AWS_SESSION_TOKEN='IQoJ…(redacted)'" in shown
    assert "ASIAABCDEFGHIJKLQ3XZ" in shown  # the key id stays: learners compare it
    assert "3f786850e387550fdab836ed7e6dc881de23001b" in shown  # a digest is no secret


def test_plan_previews_a_step_whose_calls_use_earlier_results():
    from labguide.actions import plan

    loaded = load_scenario("compromised-iam-credentials")
    target = Target(kind="endpoint", region=REGION, endpoint_url="http://127.0.0.1:9",
                    credentials=Credentials("AKIAEXAMPLEEXAMPLE00", "testing"))
    send, read = plan(loaded.scenario.step("verify-rotation"),
                      {"instance_id": "i-1", "role_name": "role-a"}, target,
                      now="2026-03-01T10:00:00Z")
    assert send.cli.startswith("aws ssm send-command") and "--instance-ids i-1" in send.cli
    assert "--command-id '‹from the previous call›'" in read.cli
