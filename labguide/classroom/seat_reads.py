"""Read-only views of a seat's account for the instructor, through the class API.

The dashboard shows a seat the panes its participant sees, without the seat's keys and
without a way to change its account: each AWS call its boto3 clients make is sent to
`POST /class/aws` instead of the seat's endpoint; the server refuses anything that is
not on the read-operation allow-list, makes the call on the seat's account, and answers
with the raw HTTP response (status, headers, body), which the dashboard's client parses
with botocore's own parser. So the panes get exactly what boto3 would have given them,
errors included, and paginators and waiters work unchanged.

Both halves live here: `answer_read` (server) and `seat_target` (instructor's side).
"""

from __future__ import annotations

import base64
import threading
from datetime import date, datetime
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

from labguide.errors import UserError

_captured = threading.local()  # the raw response of the call this thread is making


class ReadRefused(UserError):
    """Not a read (or not an operation at all): the instructor's view never changes a seat."""


def _is_read(service: str, operation: str) -> bool:
    from labguide.readops import is_read  # the one allow-list of read operations

    return bool(is_read(service, operation))


# ----- the server's half ------------------------------------------------------------------


def _keep_raw(http_response: Any = None, **_: Any) -> None:
    if getattr(_captured, "on", False) and http_response is not None:
        _captured.answer = {
            "status": int(http_response.status_code),
            "headers": {k.lower(): v for k, v in http_response.headers.items()},
            "body_b64": base64.b64encode(http_response.content or b"").decode(),
        }


_hooked: set[int] = set()
_hook_lock = threading.Lock()


def answer_read(target: Any, service: str, operation: str, params: Any) -> dict[str, Any]:
    """Make one read on the seat's account (`target`: its boto3 Target) and answer with the
    seat endpoint's raw response. ReadRefused for anything but an allowed read."""
    if not isinstance(service, str) or not isinstance(operation, str) or \
            not isinstance(params, dict):
        raise ReadRefused("expected {service, operation, params} with params an object")
    if not _is_read(service, operation):
        raise ReadRefused(f"{service}:{operation} is not a read; the instructor's view of a "
                          "seat only reads")
    client = target.client(service)
    with _hook_lock:
        if id(client) not in _hooked:
            client.meta.events.register("after-call.*.*", _keep_raw)
            _hooked.add(id(client))
    try:
        method = getattr(client, xform_name(operation))
    except AttributeError:
        raise ReadRefused(f"{service} has no operation {operation}") from None
    _captured.on, _captured.answer = True, None
    try:
        method(**params)
    except ParamValidationError as exc:
        raise ReadRefused(f"bad parameters for {service}:{operation}: {exc}") from None
    except ClientError:
        pass  # an AWS error is an answer too: the raw response says it
    finally:
        _captured.on = False
    answer = _captured.answer
    if answer is None:
        raise ReadRefused(f"{service}:{operation} gave no response")
    return answer


# ----- the instructor's half ------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class _RawResponse:
    """What botocore's client reads of an HTTP response after before-call answered it."""

    def __init__(self, answer: dict[str, Any]) -> None:
        from botocore.awsrequest import HeadersDict

        self.status_code = int(answer.get("status") or 500)
        self.headers = HeadersDict(answer.get("headers") or {})
        self.content = base64.b64decode(answer.get("body_b64") or "")
        self.text = self.content.decode("utf-8", "replace")
        self.raw = None
        self.url = ""


def _remember_params(params: Any = None, context: Any = None, **_: Any) -> None:
    if context is not None:
        context["labguide_api_params"] = _jsonable(dict(params or {}))


def seat_target(class_client: Any, seat: int, region: str) -> Any:
    """A Target whose every call is a read made by the class server on `seat`'s account."""
    from botocore.parsers import create_parser

    from labguide.target import Credentials, Target

    # The endpoint and keys are never used: before-call answers every request.
    target = Target.for_simulator(class_client.url, Credentials("instructor-view", "unused"),
                                  region)

    def through_class_api(model: Any = None, context: Any = None, **_: Any) -> Any:
        service = model.service_model.service_name
        params = (context or {}).get("labguide_api_params", {})
        answer = class_client.aws(seat, service, model.name, params)
        response = _RawResponse(answer)
        parsed = create_parser(model.metadata["protocol"]).parse(
            {"status_code": response.status_code, "headers": response.headers,
             "body": response.content}, model.output_shape)
        return response, parsed

    target.on_event("before-parameter-build.*.*", _remember_params)
    target.on_event("before-call.*.*", through_class_api)
    return target
