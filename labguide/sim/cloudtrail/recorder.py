"""Where calls enter the event history: moto's two request paths, and actors' own calls.

moto answers a request either in server mode (each service's Flask view, a
`moto.core.utils.convert_to_flask_response`) or in-process (`BotocoreStubber.process_request`,
used by mock_aws and by the instance shell's `aws`). Both are wrapped so that every signed
request is recorded after its answer, with the answer's error code. Actors that act on
backends directly (the attacker) call `models.record` themselves.

A thread may name the address its calls come from (`calls_from(ip)`): the instance
shell's `aws` runs in the server's process but its calls come from the instance.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import unescape

from labguide.sim.cloudtrail.requests import BODY_LIMIT, RawRequest, credential_scope

_log = logging.getLogger(__name__)
_local = threading.local()
_XML_CODE = re.compile(r"<Code>([^<]*)</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")
DEFAULT_SOURCE_IP = "127.0.0.1"
# A request whose UNRECORDED_HEADER holds a registered token is not recorded: a class
# server's own check rounds are its monitoring, not calls of the learner whose key they sign
# with. Tokens are secrets of the server, so a participant cannot hide a call of theirs.
UNRECORDED_HEADER = "X-Labguide-Checker"
_unrecorded_tokens: set[str] = set()


def leave_unrecorded(token: str) -> None:
    """Requests carrying `token` in UNRECORDED_HEADER are left out of the event history."""
    _unrecorded_tokens.add(token)


@contextmanager
def calls_from(source_ip: str, user_agent: str | None = None) -> Iterator[None]:
    """Within this block, this thread's requests are recorded as coming from `source_ip`."""
    previous = getattr(_local, "source", None)
    _local.source = (source_ip, user_agent)
    try:
        yield
    finally:
        _local.source = previous


def error_of(service: str, status: int, headers: Mapping[str, Any],
             body: Any) -> tuple[str | None, str | None]:
    """The errorCode and errorMessage CloudTrail writes for a failed answer."""
    if status < 400:
        return None, None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    text = text[:BODY_LIMIT]
    code = message = None
    lowered = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    header_code = str(lowered.get("x-amzn-errortype", "")).split(":")[0] or None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = {}
        if isinstance(document, dict):
            code = str(document.get("__type") or document.get("code") or "").split("#")[-1]
            message = document.get("message") or document.get("Message")
    else:
        found = _XML_CODE.search(text)
        code = unescape(found.group(1)) if found else None
        found = _XML_MESSAGE.search(text)
        message = unescape(found.group(1)) if found else None
    code = code or header_code or f"HTTP{status}"
    if service == "ec2":  # EC2 writes the fault side before the code
        code = ("Client." if status < 500 else "Server.") + code
    return code, (str(message) if message is not None else None)


def record_http(*, method: str, url: str, headers: Mapping[str, str], body: Any,
                remote_addr: str | None, status: int, response_headers: Mapping[str, Any],
                response_body: Any) -> None:
    """Record one answered request; never raises (a recording problem is only logged)."""
    try:
        _record_http(method, url, headers, body, remote_addr, status, response_headers,
                     response_body)
    except Exception:  # noqa: BLE001 - the caller's answer must not depend on the history
        _log.exception("cloudtrail: recording a request failed")


def _record_http(method: str, url: str, headers: Mapping[str, str], body: Any,
                 remote_addr: str | None, status: int, response_headers: Mapping[str, Any],
                 response_body: Any) -> None:
    from moto.iam.models import get_account_id_from

    from labguide.sim.cloudtrail.models import record

    lowered = {str(k).lower(): v.decode("latin-1") if isinstance(v, bytes) else str(v)
               for k, v in headers.items()}
    parts = urlsplit(url)
    if parts.path.startswith("/moto-api"):
        return
    if lowered.get(UNRECORDED_HEADER.lower()) in _unrecorded_tokens:
        return
    lowered.setdefault("host", parts.netloc)
    access_key, region, service = credential_scope(lowered.get("authorization", ""))
    if access_key is None:  # a presigned URL carries its credential in the query
        credential = parse_qs(parts.query).get("X-Amz-Credential", [""])[0].split("/")
        if len(credential) >= 4:
            access_key, region, service = credential[0], credential[2], credential[3]
    if not access_key or not service:
        return
    account_id = get_account_id_from(access_key)
    raw_body = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    raw = RawRequest(method=method.upper(), path=parts.path or "/", query=parts.query,
                     headers={k: v for k, v in lowered.items() if k != "authorization"},
                     body=raw_body[:BODY_LIMIT])
    source = getattr(_local, "source", None)
    source_ip = source[0] if source else (remote_addr or DEFAULT_SOURCE_IP)
    user_agent = (source[1] if source and source[1] else None) or lowered.get("user-agent", "")
    error_code, error_message = error_of(service, status, response_headers, response_body)
    record(account_id=account_id, region=region or "us-east-1", service=service,
           access_key_id=access_key, source_ip=source_ip, user_agent=user_agent, raw=raw,
           error_code=error_code, error_message=error_message)
