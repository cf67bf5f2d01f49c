"""The instance shell (pure) and SSM RunCommand on the simulated instance."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from labguide.sim import instance_credentials
from labguide.sim.ssm_shell.imds import InstanceMetadata
from labguide.sim.ssm_shell.shell import run_script

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
ROLE = "threat-detection-wksp-compromised-ec2"
CREDENTIALS = {"Code": "Success", "LastUpdated": "2026-03-02T08:00:00Z", "Type": "AWS-HMAC",
               "AccessKeyId": "ASIAEXAMPLEEXAMPLE00", "SecretAccessKey": "secret",
               "Token": "token", "Expiration": "2026-03-02T14:00:00Z"}
IMDS = "http://169.254.169.254/latest"
IMDSV2 = (
    'TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" '
    '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600")\n'
    f'curl -s -H "X-aws-ec2-metadata-token: $TOKEN" {IMDS}/meta-data/iam/security-credentials/'
)


def metadata(**overrides) -> InstanceMetadata:
    values = dict(instance_id="i-0abc", local_ipv4="10.0.0.15", region="ap-southeast-2",
                  availability_zone="ap-southeast-2a", instance_type="m5.large",
                  ami_id="ami-1", now=NOW, token_secret=b"k", role_name=ROLE,
                  credentials=CREDENTIALS, instance_profile_arn="arn:p",
                  instance_profile_id="AIPAEXAMPLE")
    values.update(overrides)
    return InstanceMetadata(**values)


def run(script, **overrides):
    return run_script(script, hostname="ip-10-0-0-15.ap-southeast-2.compute.internal",
                      metadata=metadata(**overrides))


# ----- the shell ------------------------------------------------------------------------

def test_imdsv1_credentials_are_the_imds_json():
    result = run(f"curl {IMDS}/meta-data/iam/security-credentials/{ROLE}")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == CREDENTIALS
    assert result.stdout.startswith('{\n  "Code" : "Success",\n  "LastUpdated" : ')
    assert list(json.loads(result.stdout)) == list(CREDENTIALS)


def test_imdsv2_token_then_credentials():
    result = run(IMDSV2 + ROLE)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"] == "ASIAEXAMPLEEXAMPLE00"


def test_imdsv2_rejects_a_forged_or_expired_token_and_requires_one_when_configured():
    forged = run(f'curl -s -H "X-aws-ec2-metadata-token: AQAEAxyz" {IMDS}/meta-data/instance-id')
    assert forged.stdout == "" and forged.exit_code == 0  # HTTP 401 with an empty body
    token = run('curl -s -X PUT http://169.254.169.254/latest/api/token '
                '-H "X-aws-ec2-metadata-token-ttl-seconds: 60"').stdout
    later = run(f'curl -sf -H "X-aws-ec2-metadata-token: {token}" {IMDS}/meta-data/instance-id',
                now=NOW + timedelta(seconds=61))
    assert later.exit_code == 22
    required = run(f"curl -s {IMDS}/meta-data/instance-id", http_tokens="required")
    assert required.stdout == ""
    no_ttl = run("curl -s -X PUT http://169.254.169.254/latest/api/token")
    assert "Missing or Invalid Parameters" in no_ttl.stdout


def test_metadata_paths():
    script = "\n".join(f"curl -s {IMDS}/meta-data/{path}; echo" for path in (
        "instance-id", "local-ipv4", "iam/security-credentials/", "placement/availability-zone"))
    assert run(script).stdout == "i-0abc\n10.0.0.15\n" + ROLE + "\nap-southeast-2a\n"
    listing = run(f"curl -s {IMDS}/meta-data/").stdout.split("\n")
    assert {"iam/", "instance-id", "local-ipv4", "placement/"} <= set(listing)
    missing = run(f"curl -s {IMDS}/meta-data/iam/security-credentials/other-role")
    assert "404 - Not Found" in missing.stdout
    no_role = run(f"curl -s -f {IMDS}/meta-data/iam/security-credentials/", role_name=None,
                  credentials=None)
    assert no_role.exit_code == 22 and no_role.stdout == ""


def test_words_variables_and_lists():
    result = run('A=one; B="two  three"; echo $A "$B" ${A}x \'$A\' "$?"\n'
                 "echo -n no-newline; echo\nhostname && echo ok || echo not-printed")
    assert result.stdout == ("one two  three onex $A 0\nno-newline\n"
                             "ip-10-0-0-15.ap-southeast-2.compute.internal\nok\n")
    unquoted = run('B="two  three"; echo $B')
    assert unquoted.stdout == "two three\n"
    comment = run("echo a # ignored\n# whole line\necho b")
    assert comment.stdout == "a\nb\n"


def test_unknown_commands_fail_with_127_and_lists_follow_exit_codes():
    result = run("nmap")
    assert result == type(result)("", "nmap: command not found\n", 127)
    chained = run("nmap && echo skipped; echo $?; nmap || echo recovered")
    assert chained.stdout == "127\nrecovered\n"
    assert chained.exit_code == 0


def test_curl_errors_and_syntax_errors():
    assert run("curl -s http://example.com/").exit_code == 6
    loud = run("curl http://10.1.2.3/")
    assert loud.exit_code == 28 and loud.stderr.startswith("curl: (28)")
    assert run("curl --bogus http://169.254.169.254/").exit_code == 2
    broken = run('echo "unterminated')
    assert broken.exit_code == 2 and "unexpected EOF" in broken.stderr


# ----- SSM RunCommand -------------------------------------------------------------------

def _ssm(world, endpoint_url=None):
    return boto3.client("ssm", region_name=world.region, endpoint_url=endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def _send(ssm, instance_id, script):
    return ssm.send_command(InstanceIds=[instance_id], DocumentName="AWS-RunShellScript",
                            Parameters={"commands": [script]})["Command"]["CommandId"]


def _credentials_via_ssm(world, endpoint_url=None):
    ssm = _ssm(world, endpoint_url)
    command_id = _send(ssm, world.truth.instance_id, IMDSV2 + world.truth.role_name)
    invocation = ssm.get_command_invocation(CommandId=command_id,
                                            InstanceId=world.truth.instance_id)
    assert invocation["Status"] == "Success" and invocation["ResponseCode"] == 0
    return command_id, json.loads(invocation["StandardOutputContent"])


def _exercise_run_command(world, endpoint_url=None):
    ssm = _ssm(world, endpoint_url)
    command_id, document = _credentials_via_ssm(world, endpoint_url)
    assert document["AccessKeyId"] == world.truth.stolen_access_key_id
    assert document["Type"] == "AWS-HMAC" and document["Code"] == "Success"
    sent = ssm.list_commands(CommandId=command_id)["Commands"][0]
    assert sent["InstanceIds"] == [world.truth.instance_id] and sent["TargetCount"] == 1

    listed = ssm.list_command_invocations(CommandId=command_id, Details=True)
    plugin = listed["CommandInvocations"][0]["CommandPlugins"][0]
    assert plugin["Name"] == "aws:runShellScript" and plugin["Status"] == "Success"
    assert json.loads(plugin["Output"])["AccessKeyId"] == world.truth.stolen_access_key_id
    brief = ssm.list_command_invocations(CommandId=command_id)
    assert brief["CommandInvocations"][0]["CommandPlugins"] == []

    hostname = _send(ssm, world.truth.instance_id, "hostname; nope")
    result = ssm.get_command_invocation(CommandId=hostname, InstanceId=world.truth.instance_id)
    assert result["StandardOutputContent"] == (
        f"ip-10-0-0-15.{world.region}.compute.internal\n")
    assert result["StandardErrorContent"] == "nope: command not found\n"
    assert result["Status"] == "Failed" and result["ResponseCode"] == 127

    for bad in ("i-0000000000000000f", world.truth.attacker_instance_id):  # unknown; no agent
        with pytest.raises(ClientError) as caught:
            _send(ssm, bad, "hostname")
        assert caught.value.response["Error"]["Code"] == "InvalidInstanceId"


def test_run_command_in_process(moto_in_process, build_theft_world):
    _exercise_run_command(build_theft_world())


def test_run_command_on_a_server(served_theft_world, theft_server):
    _exercise_run_command(served_theft_world(), theft_server.endpoint_url)


def _revoke_now(world):
    iam = boto3.client("iam", region_name=world.region,
                       aws_access_key_id=world.learner.access_key_id,
                       aws_secret_access_key=world.learner.secret_access_key)
    moment = world.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    iam.put_role_policy(RoleName=world.truth.role_name, PolicyName="AWSRevokeOlderSessions",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Deny", "Action": "*", "Resource": "*",
                            "Condition": {"DateLessThan": {"aws:TokenIssueTime": moment}}}]}))


def test_revoked_agent_leaves_commands_pending_until_delivery_times_out(
        moto_in_process, build_theft_world):
    world = build_theft_world()
    ssm = _ssm(world)
    world.advance(1)
    _revoke_now(world)
    world.advance(1)
    command_id = _send(ssm, world.truth.instance_id, "hostname")
    pending = ssm.get_command_invocation(CommandId=command_id, InstanceId=world.truth.instance_id)
    assert pending["Status"] == "Pending" and pending["StandardOutputContent"] == ""
    assert ssm.list_commands(CommandId=command_id)["Commands"][0]["Status"] == "Pending"
    # Delivery times out after TimeoutSeconds + executionTimeout (3600 + 3600 by default):
    # https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html
    world.advance(7199)
    assert ssm.get_command_invocation(CommandId=command_id,
                                      InstanceId=world.truth.instance_id)["Status"] == "Pending"
    listed = ssm.list_commands(CommandId=command_id)["Commands"][0]
    assert (listed["CompletedCount"], listed["DeliveryTimedOutCount"]) == (0, 0)
    world.advance(2)
    timed_out = ssm.get_command_invocation(CommandId=command_id,
                                           InstanceId=world.truth.instance_id)
    assert (timed_out["Status"], timed_out["StatusDetails"]) == ("TimedOut", "DeliveryTimedOut")
    assert timed_out["ResponseCode"] == -1 and timed_out["ExecutionElapsedTime"] == ""
    listed = ssm.list_commands(CommandId=command_id)["Commands"][0]
    assert (listed["Status"], listed["StatusDetails"]) == ("TimedOut", "DeliveryTimedOut")
    assert (listed["TargetCount"], listed["CompletedCount"], listed["ErrorCount"],
            listed["DeliveryTimedOutCount"]) == (1, 1, 0, 1)
    assert listed["NotificationConfig"] == {"NotificationArn": "", "NotificationEvents": [],
                                            "NotificationType": ""}


def test_a_running_script_is_in_progress_until_it_ends(moto_in_process, build_theft_world):
    """Pending -> InProgress -> Success/TimedOut on the world clock; counts as
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Command.html defines
    them (ErrorCount: Failed or Execution Timed Out)."""
    world = build_theft_world()
    ssm = _ssm(world)
    instance = world.truth.instance_id
    command_id = _send(ssm, instance, "echo start; sleep 30; echo done")
    running = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance)
    assert running["Status"] == "InProgress" and running["StandardOutputContent"] == ""
    assert ssm.list_commands(CommandId=command_id)["Commands"][0]["Status"] == "InProgress"
    world.advance(29)
    assert ssm.get_command_invocation(CommandId=command_id,
                                      InstanceId=instance)["Status"] == "InProgress"
    world.advance(1)
    done = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance)
    assert done["Status"] == "Success" and done["StandardOutputContent"] == "start\ndone\n"
    assert done["ExecutionElapsedTime"] == "PT30.01S"
    started = datetime.strptime(done["ExecutionStartDateTime"], "%Y-%m-%dT%H:%M:%S.000Z")
    ended = datetime.strptime(done["ExecutionEndDateTime"], "%Y-%m-%dT%H:%M:%S.000Z")
    assert ended - started == timedelta(seconds=30)

    slow = ssm.send_command(InstanceIds=[instance], DocumentName="AWS-RunShellScript",
                            Parameters={"commands": ["sleep 120"],
                                        "executionTimeout": ["60"]})["Command"]["CommandId"]
    world.advance(60)
    over = ssm.get_command_invocation(CommandId=slow, InstanceId=instance)
    assert (over["Status"], over["StatusDetails"]) == ("TimedOut", "ExecutionTimedOut")
    listed = ssm.list_commands(CommandId=slow)["Commands"][0]
    assert (listed["CompletedCount"], listed["ErrorCount"], listed["DeliveryTimedOutCount"]) \
        == (1, 1, 0)

    failed = _send(ssm, instance, "false")
    answer = ssm.list_commands(CommandId=failed)["Commands"][0]
    assert (answer["Status"], answer["ErrorCount"], answer["CompletedCount"]) == ("Failed", 1, 1)


def test_a_pending_command_runs_after_the_restart_with_the_new_key(
        moto_in_process, build_theft_world):
    world = build_theft_world()
    ssm = _ssm(world)
    ec2 = boto3.client("ec2", region_name=world.region,
                       aws_access_key_id=world.learner.access_key_id,
                       aws_secret_access_key=world.learner.secret_access_key)
    world.advance(1)
    _revoke_now(world)
    world.advance(1)
    command_id = _send(ssm, world.truth.instance_id,
                       f"curl -s {IMDS}/meta-data/iam/security-credentials/{world.truth.role_name}")
    ec2.stop_instances(InstanceIds=[world.truth.instance_id])
    with pytest.raises(ClientError) as caught:  # a stopped instance takes no commands
        _send(ssm, world.truth.instance_id, "hostname")
    assert caught.value.response["Error"]["Code"] == "InvalidInstanceId"
    world.advance(60)
    ec2.start_instances(InstanceIds=[world.truth.instance_id])
    pending = ssm.get_command_invocation(CommandId=command_id,
                                         InstanceId=world.truth.instance_id)
    assert pending["Status"] == "Pending"  # the instance is still booting (pending)
    world.advance(5)
    delivered = ssm.get_command_invocation(CommandId=command_id,
                                           InstanceId=world.truth.instance_id)
    assert delivered["Status"] == "Success"
    document = json.loads(delivered["StandardOutputContent"])
    current = instance_credentials.current(world.account_id, world.truth.instance_id)
    assert document["AccessKeyId"] == current.access_key_id != world.truth.stolen_access_key_id
    assert document["LastUpdated"] == world.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def test_install_fails_loudly_when_moto_implements_list_command_invocations(monkeypatch):
    from moto.ssm.responses import SimpleSystemManagerResponse

    from labguide.sim import ssm_shell
    from labguide.sim.errors import ExtensionError

    monkeypatch.setattr(ssm_shell, "_installed", False)
    monkeypatch.setattr(SimpleSystemManagerResponse, "list_command_invocations",
                        lambda self: None, raising=False)
    with pytest.raises(ExtensionError, match="list_command_invocations"):
        ssm_shell.install()


def test_instance_information_shows_the_agent_losing_and_regaining_its_connection(
        moto_in_process, build_theft_world):
    world = build_theft_world()
    ssm = _ssm(world)

    def info():
        listed = ssm.describe_instance_information()["InstanceInformationList"]
        assert [i["InstanceId"] for i in listed] == [world.truth.instance_id]  # managed only
        return listed[0]

    online = info()
    assert (online["PingStatus"], online["IPAddress"], online["ResourceType"]) == (
        "Online", "10.0.0.15", "EC2Instance")
    assert online["LastPingDateTime"] == world.clock.now()
    world.advance(1)
    _revoke_now(world)
    revoked_at = world.clock.now()
    world.advance(600)
    lost = info()
    assert lost["PingStatus"] == "ConnectionLost"
    assert lost["LastPingDateTime"] <= revoked_at
    filtered = ssm.describe_instance_information(
        Filters=[{"Key": "PingStatus", "Values": ["Online"]}])["InstanceInformationList"]
    assert filtered == []
    ec2 = boto3.client("ec2", region_name=world.region,
                       aws_access_key_id=world.learner.access_key_id,
                       aws_secret_access_key=world.learner.secret_access_key)
    ec2.stop_instances(InstanceIds=[world.truth.instance_id])
    world.advance(10)
    ec2.start_instances(InstanceIds=[world.truth.instance_id])
    world.advance(5)
    assert info()["PingStatus"] == "Online"
