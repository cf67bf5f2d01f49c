"""A declared read call (an `AwsCall` of a fact, check or table pane): its params rendered
over facts, refused unless the operation is a read, and every page of it merged.

Reads are the only calls facts, checks and panes make; a call that is not a read is
refused before anything is sent (the one read-operation list decides).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import botocore.exceptions as bex
import jmespath
from botocore import xform_name

from labguide.actions.base import Call
from labguide.actions.operation import shaped_params
from labguide.errors import UserError
from labguide.scenario import render_params
from labguide.scenario.kinds import AwsCall
from labguide.target import AwsCallFailed, Target, explain_failure

MAX_PAGES = 20  # a read of more pages than this stops there (a check reads a few)


class NotARead(UserError):
    """The declared call would change the account; it is never sent."""


def render_call(call: AwsCall, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The call's params rendered (templates over `variables`) and shaped for botocore."""
    where = f"{call.service}:{call.operation}"
    params = render_params(call.params, variables, where=f"{where} params")
    return shaped_params(call.service, call.operation, params)


def read_all(target: Target, call: AwsCall, variables: Mapping[str, Any],
             given: Mapping[str, Any] | None = None) -> Any:
    """The whole response of `call`: every page when the operation pages (result lists
    joined, as botocore's paginators do). `given`: parameters set over the rendered ones,
    as they are (what a learner typed is text, never a template). Failures raise
    AwsCallFailed."""
    if Call(call.service, call.operation, {}).changes_account:
        raise NotARead(f"{call.service}:{call.operation} is not a read operation; facts, "
                       "checks and panes only read")
    params = {**render_call(call, variables), **(given or {})}
    return all_pages(target, call.service, call.operation, params)


def all_pages(target: Target, service: str, operation: str, params: dict[str, Any], *,
              region: str | None = None) -> Any:
    """One call's whole response, as the AWS CLI gives it: every page (up to MAX_PAGES)
    when the operation pages, the result lists joined. Failures raise AwsCallFailed."""
    client = target.client(service, region)
    method = xform_name(operation)
    try:
        if client.can_paginate(method):
            pages = client.get_paginator(method).paginate(
                **params, PaginationConfig={"MaxItems": None, "PageSize": None})
            result: dict[str, Any] = {}
            for number, page in enumerate(pages):
                _merge(result, page, pages.result_keys)
                if number + 1 >= MAX_PAGES:
                    break
            result.pop("ResponseMetadata", None)
            return result
        response = getattr(client, method)(**params)
        response.pop("ResponseMetadata", None)
        return response
    except (bex.BotoCoreError, bex.ClientError) as exc:
        raise explain_failure(exc, service, operation, target.endpoint_url) from exc


def _merge(into: dict[str, Any], page: dict[str, Any], result_keys: list[Any]) -> None:
    """Join one page into the result: the paginated lists extended, the rest kept first."""
    paged = {key.expression for key in result_keys}
    for key, value in page.items():
        if key in paged and isinstance(value, list):
            into.setdefault(key, []).extend(value)
        else:
            into.setdefault(key, value)


def select(expression: str, data: Any) -> Any:
    """A JMESPath expression over a response (dates compare as their ISO text)."""
    return jmespath.search(expression, _plain(data))


def _plain(value: Any) -> Any:
    import datetime

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value


__all__ = ["AwsCallFailed", "NotARead", "all_pages", "read_all", "render_call", "select"]
