"""Actions built from a solution's Operation: params rendered as templates over
facts/results/now/region, then shaped for botocore (a structure given where the API
wants a string, such as a PolicyDocument, is sent as JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from labguide.actions.base import Action, Call, Wait
from labguide.actions.cli_text import service_model, waiter_operation
from labguide.errors import UserError
from labguide.scenario import render_params
from labguide.scenario.model import Operation


def encode_for_shape(value: Any, shape: Any) -> Any:
    """JSON-encode mappings/lists that sit where the shape wants a string."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "string" and isinstance(value, dict | list):
        return json.dumps(value)
    if kind == "structure" and isinstance(value, Mapping):
        return {k: encode_for_shape(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [encode_for_shape(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, Mapping):
        return {k: encode_for_shape(v, shape.value) for k, v in value.items()}
    return value


def shaped_params(service: str, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    try:
        model = service_model(service)
        op_model = model.operation_model(operation)
    except Exception as exc:  # botocore raises several kinds for unknown names
        raise UserError(f"unknown AWS operation {service}:{operation} ({exc})") from None
    return encode_for_shape(dict(params), op_model.input_shape)


def from_operation(op: Operation, variables: Mapping[str, Any], *, region: str | None = None,
                   endpoint_url: str | None = None) -> Action:
    """The Action for one solution Operation, its templates rendered with `variables`
    (facts, results, now, region; see labguide.scenario.solution_variables)."""
    where = f"{op.service}:{op.operation}"
    params = shaped_params(op.service, op.operation,
                           render_params(op.params, variables, where=f"{where} params"))
    parts: list[Any] = [Call(op.service, op.operation, params)]
    if op.waiter is not None:
        try:
            polled = waiter_operation(op.service, op.waiter.name)
        except KeyError:
            raise UserError(f"{where}: {op.service} has no waiter {op.waiter.name!r}") from None
        waiter_params = shaped_params(
            op.service, polled,
            render_params(op.waiter.params, variables, where=f"{where} waiter params"))
        wait = Wait(op.service, op.waiter.name, waiter_params)
        if polled == op.operation:
            # The waiter polls this very call (ssm command_executed on GetCommandInvocation):
            # wait first, since right after SendCommand the call itself would answer
            # InvocationDoesNotExist, which the waiter retries on.
            parts.insert(0, wait)
        else:
            parts.append(wait)
    title = op.description or f"{op.service} {op.operation}"
    return Action(title.rstrip("."), tuple(parts), region, endpoint_url, op.save_as)
