"""A seat's write, as the instructor's timeline shows it: the operation and its AWS CLI
equivalent, rebuilt from the signed request the class server answered.

A participant on the AWS CLI changes their account with no app to report it; the server
sees every request, so it tells the instructor what was done. The line names the
operation and its parameters as the AWS CLI spells them (`labguide.actions.cli_text`),
never a secret: a parameter botocore's model marks sensitive (passwords, SecureString
values) shows as ****, long values (policy documents) are cut, and whatever is left goes
through the log masker (secret keys, session tokens, key ids shortened).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore import xform_name

MAX_VALUE = 120  # characters of one parameter's value on the line (a policy is cut)
HIDDEN = "****"


def write_event(service: str | None, operation: str | None, environ: dict[str, Any],
                body: bytes) -> dict[str, Any]:
    """The payload of an `aws-write` event: service, operation, cli (never raises)."""
    from labguide.progress.logs import mask_secrets

    service, operation = str(service or "?"), str(operation or "?")
    words = ["aws", CLI_COMMANDS.get(service, service), xform_name(operation, "-")]
    try:
        words += _arguments(service, operation, request_params(service, operation, environ,
                                                               body))
    except Exception:  # noqa: BLE001 - an unknown service or a request botocore cannot model
        pass
    return {"service": service, "operation": operation, "cli": mask_secrets(" ".join(words))}


CLI_COMMANDS = {"s3": "s3api"}  # the AWS CLI command of a service, where it differs


def _arguments(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    """`--member value` as the AWS CLI spells them, fit for the timeline: no secret, no
    idempotency token, each value cut at MAX_VALUE characters."""
    from labguide.actions.cli_text import arguments

    members = _operation(service, operation).input_shape.members
    words: list[str] = []
    for name, value in params.items():
        member = members[name]
        if member.metadata.get("idempotencyToken"):
            continue
        if member.metadata.get("sensitive") or _sensitive_inside(member):
            words += ["--" + xform_name(name, "-"), HIDDEN]
            continue
        flag, *rest = arguments(service, operation, {name: value})
        shown = " ".join(rest)
        words += [flag, *([shown[:MAX_VALUE - 1] + "…"] if len(shown) > MAX_VALUE else rest)]
    return words




def request_params(service: str, operation: str, environ: dict[str, Any],
                   body: bytes) -> dict[str, Any]:
    """The operation's input members (by member name) found in a raw request. Members
    nested in lists of structures or maps of a query request come back as "…"."""
    model = _operation(service, operation)
    protocol = model.metadata["protocol"]
    members = model.input_shape.members if model.input_shape is not None else {}
    if protocol in ("query", "ec2"):
        return _query_params(members, environ, body)
    found: dict[str, Any] = {}
    if protocol == "json":
        loaded = _json_body(body)
        return {k: v for k, v in loaded.items() if k in members}
    # rest-json / rest-xml: members in the path, the query string and (JSON) the body
    by_wire = {m.serialization.get("name", n): n for n, m in members.items()}
    path = unquote(environ.get("PATH_INFO", ""))
    match = _uri_pattern(model.http.get("requestUri", "")).match(path)
    if match:
        for wire, value in match.groupdict().items():
            found[by_wire.get(_unslot(wire), _unslot(wire))] = value
    for wire, values in parse_qs(environ.get("QUERY_STRING", "")).items():
        name = by_wire.get(wire)
        if name is not None and members[name].serialization.get("location") == "querystring":
            found[name] = values[0] if len(values) == 1 else values
    if protocol == "rest-json":
        for wire, value in _json_body(body).items():
            name = by_wire.get(wire)
            if name is not None:
                found[name] = _unwire(members[name], value)
    return {k: v for k, v in found.items() if k in members}


def _sensitive_inside(shape: Any, depth: int = 0) -> bool:
    """A structure/list/map holding a sensitive member (e.g. a list of secret values)."""
    if depth > 6:
        return False
    if shape.metadata.get("sensitive"):
        return True
    kind = shape.type_name
    if kind == "structure":
        return any(_sensitive_inside(m, depth + 1) for m in shape.members.values())
    if kind == "list":
        return _sensitive_inside(shape.member, depth + 1)
    if kind == "map":
        return _sensitive_inside(shape.value, depth + 1)
    return False


def _unwire(shape: Any, value: Any, depth: int = 0) -> Any:
    """A rest-json body value with its members' wire names (`criterion`, `eq`) back to the
    model's names (`Criterion`, `Eq`), which the AWS CLI's JSON arguments take."""
    if depth > 20:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        by_wire = {m.serialization.get("name", n): n for n, m in shape.members.items()}
        return {by_wire.get(k, k): _unwire(shape.members[by_wire[k]], v, depth + 1)
                if k in by_wire else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_unwire(shape.member, v, depth + 1) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _unwire(shape.value, v, depth + 1) for k, v in value.items()}
    return value


def _query_params(members: dict[str, Any], environ: dict[str, Any],
                  body: bytes) -> dict[str, Any]:
    fields = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        for key, values in parse_qs(body.decode("utf-8", "replace")).items():
            fields.setdefault(key, values)
    by_wire: dict[str, str] = {}
    for name, member in members.items():
        for wire in (name, member.serialization.get("name"), member.serialization.get(
                "queryName")):
            if wire:
                by_wire[wire] = name
                by_wire[wire[:1].upper() + wire[1:]] = name
    found: dict[str, Any] = {}
    listed: dict[str, list[tuple[int, str]]] = {}
    for key, values in fields.items():
        top, _, rest = key.partition(".")
        name = by_wire.get(top)
        if name is None or top in ("Action", "Version"):
            continue
        if not rest:
            found[name] = values[0]
            continue
        index = rest.removeprefix("member.")
        if index.isdigit() and members[name].type_name == "list":
            listed.setdefault(name, []).append((int(index), values[0]))
        else:
            found[name] = "…"
    for name, items in listed.items():
        if found.get(name) != "…":
            found[name] = [value for _, value in sorted(items)]
    return found


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(body or b"{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


@lru_cache(maxsize=256)
def _operation(service: str, operation: str) -> Any:
    from labguide.actions.cli_text import service_model

    return service_model(service).operation_model(operation)


@lru_cache(maxsize=256)
def _uri_pattern(template: str) -> re.Pattern[str]:
    """`/detector/{DetectorId}/filter` -> a regex with one named group per {slot}."""
    path = template.split("?", 1)[0]
    pattern = ""
    for n, piece in enumerate(re.split(r"(\{[^}]+\})", path)):
        if piece.startswith("{"):
            slot = piece[1:-1]
            greedy = slot.endswith("+")
            pattern += f"(?P<{_slot(slot.rstrip('+'), n)}>{'.+' if greedy else '[^/]+'})"
        else:
            pattern += re.escape(piece)
    return re.compile(pattern + "$")


def _slot(name: str, n: int) -> str:
    return f"s{n}_{re.sub(r'[^A-Za-z0-9]', '_', name)}"


def _unslot(group: str) -> str:
    return group.split("_", 1)[1]
