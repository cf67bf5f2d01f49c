"""The actions a pane offers, built exactly as the AWS console performs them."""

from __future__ import annotations

import json
from datetime import datetime

from labguide.actions.base import Action, Call, Shell, Wait
from labguide.awstime import to_utc
from labguide.target import mask_key

REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"
KEY_FIELD = "resource.accessKeyDetails.accessKeyId"


def iso_utc(moment: datetime | str) -> str:
    """ISO-8601 UTC to the second with a Z, as the IAM console writes it."""
    if isinstance(moment, str):
        return moment
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")  # naive means UTC, never local


def revocation_document(now: datetime | str) -> str:
    """The policy the IAM console's "Revoke active sessions" puts on a role."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Action": ["*"],
            "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": iso_utc(now)}},
        }],
    })


def save_filter(detector_id: str, name: str, access_key_id: str, *,
                region: str | None = None) -> Action:
    criteria = {"Criterion": {KEY_FIELD: {"Eq": [access_key_id]}}}
    return Action(
        f"save GuardDuty filter '{name}' on access key {mask_key(access_key_id)}",
        (Call("guardduty", "CreateFilter",
              {"DetectorId": detector_id, "Name": name, "Action": "NOOP",
               "FindingCriteria": criteria}),),
        region)


def revoke_sessions(role_name: str, now: datetime | str, *, region: str | None = None) -> Action:
    return Action(
        f"revoke every session of role {role_name} issued before {iso_utc(now)} "
        f"(inline policy {REVOKE_POLICY_NAME})",
        (Call("iam", "PutRolePolicy",
              {"RoleName": role_name, "PolicyName": REVOKE_POLICY_NAME,
               "PolicyDocument": revocation_document(now)}),),
        region)


def _stop(instance_id: str) -> tuple:
    return (Call("ec2", "StopInstances", {"InstanceIds": [instance_id]}),
            Wait("ec2", "instance_stopped", {"InstanceIds": [instance_id]}))


def _start(instance_id: str) -> tuple:
    return (Call("ec2", "StartInstances", {"InstanceIds": [instance_id]}),
            Wait("ec2", "instance_running", {"InstanceIds": [instance_id]}))


def stop_instance(instance_id: str, *, region: str | None = None) -> Action:
    return Action(f"stop instance {instance_id} and wait until it is stopped",
                  _stop(instance_id), region)


def start_instance(instance_id: str, *, region: str | None = None) -> Action:
    return Action(f"start instance {instance_id} and wait until it is running",
                  _start(instance_id), region)


def restart_instance(instance_id: str, *, region: str | None = None) -> Action:
    """Stop, wait, start, wait: the restart that gives an instance new credentials."""
    return Action(f"stop instance {instance_id}, wait, then start it again",
                  _stop(instance_id) + _start(instance_id), region)


def run_shell_command(instance_id: str, command: str, *, region: str | None = None) -> Action:
    return Action(f"run `{command}` on instance {instance_id} through SSM Run Command",
                  (Shell(instance_id, (command,)),), region)
