"""What an AWS request was, read from its HTTP form: service, region, key, operation, params.

Recording keeps only the raw request (cheap, on every call); this module turns it into
the operation name and API-shaped parameters when an event is first looked up. The
operation comes from X-Amz-Target (JSON protocols), the Action parameter (query
protocols) or, for REST protocols, moto's router for the service's botocore model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{16,128})/[^/]*/([^/]*)/([^/]+)/")
# SigV4 signing names that differ from the botocore service (moto router) name.
_VIRTUAL_HOST = re.compile(r"^(.+?)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?::\d+)?$")
_SERVICE_FOR_SIGNING_NAME = {"monitoring": "cloudwatch", "email": "ses", "states": "stepfunctions"}


def credential_scope(authorization: str) -> tuple[str | None, str | None, str | None]:
    """(access key id, region, signing service) of a SigV4 Authorization header."""
    match = _CREDENTIAL.search(authorization or "")
    return (match.group(1), match.group(2), match.group(3)) if match else (None, None, None)


@dataclass(frozen=True)
class RawRequest:
    """The parts of one HTTP request an event is made from (body cut to `BODY_LIMIT`)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


BODY_LIMIT = 8192


@lru_cache(maxsize=64)
def _router(service: str) -> Any:
    from moto.core.routing import get_service_router

    return get_service_router(service)


def operation_and_params(service: str, raw: RawRequest) -> tuple[str | None, dict[str, Any]]:
    """The operation name and the request's parameters (flat, as the client sent them)."""
    target = raw.headers.get("x-amz-target")
    content_type = raw.headers.get("content-type", "")
    query = dict(parse_qsl(raw.query, keep_blank_values=True))
    if target:
        return target.rsplit(".", 1)[-1], _json_body(raw.body)
    form: dict[str, str] = {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(raw.body.decode("utf-8", "replace"), keep_blank_values=True))
    action = form.get("Action") or query.get("Action")
    if action:
        params = {**query, **form}
        params.pop("Action", None)
        params.pop("Version", None)
        return action, params
    return _rest_operation(service, raw, query)


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _rest_operation(service: str, raw: RawRequest,
                    query: dict[str, str]) -> tuple[str | None, dict[str, Any]]:
    from moto.core.request import Request
    from werkzeug.test import EnvironBuilder

    path = raw.path
    if service == "s3":  # virtual-hosted style: the bucket is in the host name
        bucket = _VIRTUAL_HOST.match(raw.headers.get("host", ""))
        if bucket:
            path = f"/{bucket.group(1)}{path}"
    builder = EnvironBuilder(path=path, method=raw.method, query_string=raw.query,
                             headers=dict(raw.headers), data=raw.body)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    try:
        operation, uri_params = _router(
            _SERVICE_FOR_SIGNING_NAME.get(service, service)).match(Request(environ))
    except Exception:  # noqa: BLE001 - not a route of that service: nothing to name
        return None, {}
    params: dict[str, Any] = {k: v for k, v in query.items() if k not in ("x-id",)}
    params.update(uri_params or {})
    if service == "s3" and raw.headers.get("host"):
        params["Host"] = raw.headers["host"]
    if "json" in raw.headers.get("content-type", ""):
        params.update(_json_body(raw.body))
    return operation.name, params
