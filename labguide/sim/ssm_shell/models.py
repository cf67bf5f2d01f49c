"""SSM RunCommand on simulated instances: AWS-RunShellScript runs the instance shell.

moto accepts SendCommand for any instance and reports every invocation as a Success with
empty output. Here an invocation of AWS-RunShellScript is delivered to the instance's SSM
agent, which runs the script with `shell.run_script` against the instance metadata
service at the moment of delivery. The agent calls SSM with the instance's own role
credentials: while those are denied (sessions revoked, instance not yet restarted) it
cannot fetch commands, so an invocation stays Pending and, once its delivery timeout
(TimeoutSeconds, default 3600 s, on the account's sim clock) has passed, ends as
Status TimedOut / StatusDetails DeliveryTimedOut, as SSM reports commands an offline
agent never picked up. If the agent comes back in time (restart), it runs then.
Delivery is decided lazily, whenever a command is read, and on each world tick.

SendCommand to an instance id that does not exist, is not running, or has no SSM agent
(no role credentials) fails with InvalidInstanceId, as on AWS.

DescribeInstanceInformation (not in moto) lists the managed instances with the agent's
PingStatus: Online while it can reach SSM, ConnectionLost while its credentials are
denied or the instance is stopped; LastPingDateTime is its last successful ping (the
world pings every few minutes, and every read that finds it online counts as one).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from moto.ssm.exceptions import SSMException

from labguide.sim import instance_credentials
from labguide.sim.clock import clock_for, to_utc
from labguide.sim.iam_revocation.models import judge
from labguide.sim.ssm_shell.imds import InstanceMetadata
from labguide.sim.ssm_shell.shell import run_script

RUN_SHELL_SCRIPT = "AWS-RunShellScript"
DEFAULT_DELIVERY_TIMEOUT = 3600
DEFAULT_EXECUTION_TIMEOUT = 3600  # AWS-RunShellScript's executionTimeout
STDOUT_LIMIT = 24000
STDERR_LIMIT = 8000
LIST_OUTPUT_LIMIT = 2500
AGENT_ACTION = "ec2messages:GetMessages"  # what the agent calls to fetch commands


class InvalidInstanceId(SSMException):
    code = "InvalidInstanceId"

    def __init__(self, instance_ids: list[str], account_id: str):
        listed = ", ".join(instance_ids)
        super().__init__(
            "InvalidInstanceId",
            f"Instances [[{listed}]] not in a valid state for account {account_id}",
        )


def _ec2_instance(account_id: str, region: str, instance_id: str) -> Any | None:
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region]
    for reservation in backend.reservations.values():
        for instance in reservation.instances:
            if instance.id == instance_id:
                return instance
    return None


def is_managed(account_id: str, region: str, instance_id: str) -> bool:
    """Running, with an SSM agent: in this simulator, an instance that has role credentials."""
    instance = _ec2_instance(account_id, region, instance_id)
    return (
        instance is not None
        and instance.state == "running"
        and instance_credentials.current(account_id, instance_id) is not None
    )


def agent_online(account_id: str, region: str, instance_id: str, now: datetime) -> bool:
    """The agent reaches SSM when the instance runs and its current credentials are allowed."""
    if not is_managed(account_id, region, instance_id):
        return False
    held = instance_credentials.held_at(account_id, region, instance_id, now)
    instance = _ec2_instance(account_id, region, instance_id)
    address = getattr(instance, "public_ip", None) or getattr(instance, "private_ip", None)
    decision = judge(held.access_key_id, AGENT_ACTION, "*", now,  # type: ignore[union-attr]
                     source_ip=address, region=region, account_id=account_id)
    return decision is None or decision.allowed


def metadata_for(account_id: str, region: str, instance_id: str, now: datetime) -> InstanceMetadata:
    """A snapshot of the instance's metadata service at `now`."""
    from moto.ec2.models import ec2_backends

    instance = _ec2_instance(account_id, region, instance_id)
    held = instance_credentials.held_at(account_id, region, instance_id, now)
    association = ec2_backends[account_id][region].iam_instance_profile_associations.get(
        instance_id
    )
    profile = association.iam_instance_profile if association is not None else None
    secret = hashlib.sha256(f"labguide-imds|{account_id}|{instance_id}".encode()).digest()
    return InstanceMetadata(
        instance_id=instance_id,
        local_ipv4=instance.private_ip,
        region=region,
        availability_zone=instance.placement.zone or f"{region}a",
        instance_type=instance.instance_type,
        ami_id=instance.image_id,
        now=to_utc(now),
        token_secret=secret,
        role_name=held.session.role_name if held else None,
        credentials=held.imds_document() if held else None,
        instance_profile_arn=profile.arn if profile else None,
        instance_profile_id=profile.id if profile else None,
        http_tokens=instance.metadata_options.http_tokens,
    )


def run_on_instance(account_id: str, region: str, instance_id: str, script: str,
                    metadata: InstanceMetadata, now: datetime) -> Any:
    """Run a script in the instance's shell: its host's files, its clock, its `aws`."""
    from labguide.sim.hosts.models import host_for
    from labguide.sim.ssm_shell.awscli import InstanceCli

    instance = _ec2_instance(account_id, region, instance_id)
    host = host_for(account_id, region, instance_id)
    source_ip = (getattr(instance, "public_ip", None) or metadata.local_ipv4)
    cli = InstanceCli(region=region, source_ip=source_ip,
                      user_agent=str(host.image.get("aws_cli_user_agent", "aws-cli/1")),
                      credentials=metadata.credentials)
    return run_script(script, hostname=host.hostname, metadata=metadata, host=host,
                      now=to_utc(now), aws=cli)


def keep_managed_targets(command: Any, instance_ids: list[str], has_targets: bool,
                         region: str) -> None:
    """moto adds every instance of the region to a command sent without Targets; SSM sends
    it to the listed instances only, and Targets select managed instances only."""
    wanted = list(dict.fromkeys(instance_ids))
    if has_targets:
        wanted += [i for i in command.instance_ids if i not in wanted
                   and is_managed(command.account_id, region, i)]
    command.instance_ids = wanted
    command.invocations = [inv for inv in command.invocations if inv["InstanceId"] in wanted]
    command.target_count = command.completed_count = len(wanted)


def _stamp(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _execution_timeout(command: Any) -> int:
    """AWS-RunShellScript's executionTimeout parameter (seconds, default 3600)."""
    values = command.parameters.get("executionTimeout") or []
    try:
        return max(1, int(values[0])) if values else DEFAULT_EXECUTION_TIMEOUT
    except (TypeError, ValueError):
        return DEFAULT_EXECUTION_TIMEOUT


def prepare(command: Any, now: datetime, delivery_timeout: int | None) -> None:
    """Turn a fresh moto Command of AWS-RunShellScript into pending invocations.

    A command the agent has not received by TimeoutSeconds + executionTimeout ends as
    Delivery Timed Out, and that moment is its ExpiresAfter ("Understanding command
    statuses", https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html;
    ExpiresAfter in https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Command.html).
    """
    command.requested_date_time = now.replace(tzinfo=None)
    script = "\n".join(command.parameters.get("commands", []))
    command.labguide_script = script
    command.labguide_execution_timeout = _execution_timeout(command)
    command.labguide_deadline = to_utc(now) + timedelta(
        seconds=(delivery_timeout or DEFAULT_DELIVERY_TIMEOUT) + command.labguide_execution_timeout
    )
    command.expires_after = command.labguide_deadline.replace(tzinfo=None)
    command.labguide_delivery_timed_out = 0
    if not command.notification_config.get("NotificationArn") or \
            command.notification_config.get("NotificationArn") == "string":
        # moto fills a placeholder; SSM answers an empty configuration when none was given
        command.notification_config = {"NotificationArn": "", "NotificationEvents": [],
                                       "NotificationType": ""}
    for invocation in command.invocations:
        invocation.update(
            Status="Pending",
            StatusDetails="Pending",
            ResponseCode=-1,
            ExecutionStartDateTime="",
            ExecutionElapsedTime="",
            ExecutionEndDateTime="",
            StandardOutputContent="",
            StandardErrorContent="",
        )
        invocation["labguide_done"] = False
        invocation["labguide_result"] = None
    _summarize(command)


def _duration(seconds: float) -> str:
    """An ISO 8601 duration as SSM writes ExecutionElapsedTime (PT0.012S, PT5.02S)."""
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def deliver_due(command: Any, region: str) -> None:
    """Move every invocation as far as the clock says (idempotent): Pending until the
    agent receives it, InProgress while the script runs (its `sleep`s take simulated
    time), then Success/Failed, or TimedOut (ExecutionTimedOut) past executionTimeout;
    never received by the deadline: TimedOut (DeliveryTimedOut); the instance gone
    (terminated) while pending: Failed (Undeliverable)."""
    if not hasattr(command, "labguide_script"):
        return
    account_id = command.account_id
    now = clock_for(account_id).now()
    changed = False
    for invocation in command.invocations:
        if invocation["labguide_done"]:
            continue
        instance_id = invocation["InstanceId"]
        result = invocation["labguide_result"]
        if result is None:
            instance = _ec2_instance(account_id, region, instance_id)
            if instance is None or instance.state in ("terminated", "shutting-down"):
                invocation.update(Status="Failed", StatusDetails="Undeliverable",
                                  labguide_done=True)
                changed = True
                continue
            if agent_online(account_id, region, instance_id, now):
                metadata = metadata_for(account_id, region, instance_id, now)
                result = run_on_instance(account_id, region, instance_id,
                                         command.labguide_script, metadata, now)
                invocation["labguide_result"] = (result, to_utc(now))
                invocation.update(Status="InProgress", StatusDetails="InProgress",
                                  ExecutionStartDateTime=_stamp(now))
                changed = True
            elif now >= command.labguide_deadline:
                invocation.update(Status="TimedOut", StatusDetails="DeliveryTimedOut",
                                  labguide_done=True)
                command.labguide_delivery_timed_out += 1
                changed = True
                continue
            else:
                continue
        result, started = invocation["labguide_result"]
        limit = command.labguide_execution_timeout
        if result.seconds > limit:
            if now < started + timedelta(seconds=limit):
                continue
            invocation.update(Status="TimedOut", StatusDetails="ExecutionTimedOut",
                              ExecutionElapsedTime=_duration(limit),
                              ExecutionEndDateTime=_stamp(started + timedelta(seconds=limit)),
                              StandardOutputContent=result.stdout[:STDOUT_LIMIT],
                              StandardErrorContent=result.stderr[:STDERR_LIMIT],
                              labguide_done=True)
            changed = True
            continue
        ended = started + timedelta(seconds=result.seconds)
        if now < ended.replace(microsecond=0):
            continue
        status = "Success" if result.exit_code == 0 else "Failed"
        invocation.update(
            Status=status,
            StatusDetails=status,
            ResponseCode=result.exit_code,
            ExecutionElapsedTime=_duration(result.seconds),
            ExecutionEndDateTime=_stamp(ended),
            StandardOutputContent=result.stdout[:STDOUT_LIMIT],
            StandardErrorContent=result.stderr[:STDERR_LIMIT],
            labguide_done=True,
        )
        changed = True
    if changed:
        _summarize(command)


def _summarize(command: Any) -> None:
    """The command's status and counts from its invocations, as API_Command.html defines
    CompletedCount (terminal states), ErrorCount (Failed or Execution Timed Out, not
    Undeliverable) and DeliveryTimedOutCount."""
    invocations = command.invocations
    details = [inv["StatusDetails"] for inv in invocations]
    done = [inv for inv in invocations if inv["labguide_done"]]
    command.completed_count = len(done)
    command.error_count = sum(1 for inv in done
                              if inv["StatusDetails"] in ("Failed", "ExecutionTimedOut"))
    command.labguide_delivery_timed_out = details.count("DeliveryTimedOut")
    if not invocations:
        command.status = command.status_details = "Success"
    elif len(done) < len(invocations):
        started = any(d != "Pending" for d in details)
        command.status = command.status_details = "InProgress" if started else "Pending"
    elif all(d == "Success" for d in details):
        command.status = command.status_details = "Success"
    elif command.error_count:
        failed_by = "ExecutionTimedOut" if all(
            d in ("ExecutionTimedOut", "Success") for d in details) else "Failed"
        command.status = "TimedOut" if failed_by == "ExecutionTimedOut" else "Failed"
        command.status_details = failed_by
    elif all(d == "DeliveryTimedOut" for d in details):
        command.status, command.status_details = "TimedOut", "DeliveryTimedOut"
    elif "Success" in details:
        command.status, command.status_details = "Success", "Incomplete"
    else:
        command.status, command.status_details = "Failed", "Undeliverable"


def invocation_summary(command: Any, invocation: dict[str, Any], details: bool) -> dict[str, Any]:
    """One entry of ListCommandInvocations."""
    entry: dict[str, Any] = {
        "CommandId": command.command_id,
        "InstanceId": invocation["InstanceId"],
        "Comment": command.comment,
        "DocumentName": command.document_name,
        "DocumentVersion": "$DEFAULT",
        "RequestedDateTime": command.requested_date_time,
        "Status": invocation["Status"],
        "StatusDetails": invocation["StatusDetails"],
        "StandardOutputUrl": "",
        "StandardErrorUrl": "",
        "CommandPlugins": [],
        "ServiceRole": command.service_role_arn,
    }
    if details:
        output = invocation["StandardOutputContent"]
        if invocation["StandardErrorContent"]:
            output += "\n----------ERROR-------\n" + invocation["StandardErrorContent"]
        plugin: dict[str, Any] = {
            "Name": invocation["PluginName"],
            "Status": invocation["Status"],
            "StatusDetails": invocation["StatusDetails"],
            "ResponseCode": invocation["ResponseCode"],
            "Output": output[:LIST_OUTPUT_LIMIT],
            "StandardOutputUrl": "",
            "StandardErrorUrl": "",
            "OutputS3Region": command.output_s3_region or command.backend_region,
            "OutputS3BucketName": command.output_s3_bucket_name,
            "OutputS3KeyPrefix": command.output_s3_key_prefix,
        }
        if invocation.get("ExecutionStartDateTime"):
            plugin["ResponseStartDateTime"] = datetime.strptime(
                invocation["ExecutionStartDateTime"], "%Y-%m-%dT%H:%M:%S.000Z")
        if invocation.get("ExecutionEndDateTime"):
            plugin["ResponseFinishDateTime"] = datetime.strptime(
                invocation["ExecutionEndDateTime"], "%Y-%m-%dT%H:%M:%S.000Z")
        entry["CommandPlugins"] = [plugin]
    return entry


AGENT_VERSION = "3.3.987.0"
_last_ping: dict[tuple[str, str], datetime] = {}


def forget_account(account_id: str) -> None:
    for key in [k for k in _last_ping if k[0] == account_id]:
        del _last_ping[key]


def agent_ping(account_id: str, region: str, instance_id: str, now: datetime) -> bool:
    """The agent's periodic ping: recorded when it reaches SSM; returns whether it did."""
    online = agent_online(account_id, region, instance_id, now)
    if online:
        _last_ping[(account_id, instance_id)] = to_utc(now)
    return online


def instance_information(account_id: str, region: str, instance_ids: list[str] | None,
                         ping_statuses: list[str] | None) -> list[dict[str, Any]]:
    """DescribeInstanceInformation entries for the managed instances of the region."""
    from moto.ec2.models import ec2_backends

    now = clock_for(account_id).now()
    entries = []
    backend = ec2_backends[account_id][region]
    for reservation in backend.reservations.values():
        for instance in reservation.instances:
            held = instance_credentials.current(account_id, instance.id)
            if held is None or instance.state == "terminated":
                continue
            if instance_ids and instance.id not in instance_ids:
                continue
            online = agent_ping(account_id, region, instance.id, now)
            status = "Online" if online else "ConnectionLost"
            if ping_statuses and status not in ping_statuses:
                continue
            last_ping = _last_ping.get((account_id, instance.id), to_utc(instance.launch_time))
            entries.append({
                "InstanceId": instance.id,
                "PingStatus": status,
                "LastPingDateTime": last_ping,
                "AgentVersion": AGENT_VERSION,
                "IsLatestVersion": True,
                "PlatformType": "Linux",
                "PlatformName": "Amazon Linux",
                "PlatformVersion": "2",
                "IamRole": held.session.role_name,
                "ResourceType": "EC2Instance",
                "IPAddress": instance.private_ip,
                "ComputerName": metadata_for(account_id, region, instance.id, now).local_hostname,
                "SourceId": instance.id,
                "SourceType": "AWS::EC2::Instance",
            })
    return entries
