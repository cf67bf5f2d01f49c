"""The AWS CLI command line equivalent to a call or a waiter, shell-quoted, with the
parameters spelled the way the AWS CLI spells them (kebab-case; structures as JSON)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from botocore import xform_name

from labguide.scenario import aws_cli
from labguide.scenario.aws_cli import service_model

_SCALARS = frozenset({"string", "integer", "long", "float", "double", "timestamp", "blob"})


def _quote(value: Any) -> str:
    return shlex.quote(value if isinstance(value, str) else json.dumps(value))


def _json(value: Any) -> str:
    return shlex.quote(json.dumps(value, separators=(",", ":"), default=str))


def arguments(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    """`--member value` pieces for the operation's input members in `params`."""
    shape = service_model(service).operation_model(operation).input_shape
    members = shape.members if shape is not None else {}
    parts: list[str] = []
    for name, value in params.items():
        flag = "--" + xform_name(name, "-")
        member = members.get(name)
        kind = member.type_name if member is not None else None
        if kind == "boolean" and isinstance(value, bool):
            parts.append(flag if value else "--no-" + flag[2:])
        elif kind in _SCALARS and not isinstance(value, dict | list):
            parts += [flag, _quote(str(value))]
        elif (kind == "list" and member.member.type_name in _SCALARS
              and all(not isinstance(v, dict | list) for v in value)):
            parts += [flag, *(_quote(str(v)) for v in value)]
        else:
            parts += [flag, _json(value)]
    return parts


def _tail(region: str | None, endpoint_url: str | None) -> list[str]:
    tail = []
    if endpoint_url:
        tail += ["--endpoint-url", shlex.quote(endpoint_url)]
    if region:
        tail += ["--region", shlex.quote(region)]
    return tail


def call_line(service: str, operation: str, params: dict[str, Any], *, region: str | None,
              endpoint_url: str | None = None) -> str:
    """e.g. `aws ec2 stop-instances --instance-ids i-0abc --region ap-southeast-2`."""
    return " ".join(["aws", service, xform_name(operation, "-"),
                     *arguments(service, operation, params), *_tail(region, endpoint_url)])


def wait_line(service: str, waiter: str, params: dict[str, Any], *, region: str | None,
              endpoint_url: str | None = None) -> str:
    """e.g. `aws ec2 wait instance-stopped --instance-ids i-0abc --region ap-southeast-2`."""
    operation = waiter_operation(service, waiter)
    return " ".join(["aws", service, "wait", waiter.replace("_", "-"),
                     *arguments(service, operation, params), *_tail(region, endpoint_url)])


def waiter_operation(service: str, waiter: str) -> str:
    """The operation a waiter polls (instance_stopped -> DescribeInstances)."""
    operation = aws_cli.waiter_operation(service, waiter)
    if operation is None:
        raise KeyError(waiter)
    return operation
