"""AWS's error answers in the protocol of the service called, so clients parse them as AWS's.

A request refused before moto sees it (a bad signature, a body too large, the server's own
failure) must still come back the way the service would answer it, or the AWS CLI and
boto3 print a parse error instead of the code: query services (IAM, STS, SNS) answer
`<ErrorResponse><Error><Code>`, EC2 `<Response><Errors><Error><Code>`, JSON services
(SSM, CloudTrail, CloudWatch Logs) `{"__type": CODE}`, REST-JSON ones (GuardDuty) the
`x-amzn-ErrorType` header, S3 `<Error><Code>`. The protocol is told from the request's
shape and its credential scope; nothing about the request is trusted beyond that.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from labguide.sim.sigv4 import signing_service

_QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}
_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            413: "Request Entity Too Large", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}
# The signature errors, as each protocol names them: (code, HTTP status) by the query
# protocol's code that labguide.sim.sigv4 raises ("RequestExpired" = a header-signed request
# out of the 15-minute window; a presigned one past its expiry is "RequestExpired@presigned").
# Query (IAM/STS "Common Errors"): a stale header signature is SignatureDoesNotMatch
# "Signature expired: ..." as STS answers it. EC2 ("Error codes for the Amazon EC2 API"):
# an unknown key is AuthFailure, a stale request RequestExpired. JSON and REST-JSON services
# (DynamoDB's "Error handling" list; CloudWatch Logs' UnrecognizedClientException shape in
# its service model; Smithy's aws.auth#sigv4 implicit InvalidSignatureException, 403 for
# REST-JSON): the *Exception names, 400 for JSON, 403 for REST-JSON. S3 ("Error responses"):
# InvalidAccessKeyId, AccessDenied, RequestTimeTooSkewed; an expired presigned URL AccessDenied.
_JSON_NAMES = {"InvalidClientTokenId": "UnrecognizedClientException",
               "SignatureDoesNotMatch": "InvalidSignatureException",
               "IncompleteSignature": "IncompleteSignatureException",
               "MissingAuthenticationToken": "MissingAuthenticationTokenException",
               "RequestExpired": "InvalidSignatureException",
               "RequestExpired@presigned": "InvalidSignatureException"}
AUTH_ERRORS: dict[str, dict[str, tuple[str, int]]] = {
    "query": {"InvalidClientTokenId": ("InvalidClientTokenId", 403),
              "SignatureDoesNotMatch": ("SignatureDoesNotMatch", 403),
              "IncompleteSignature": ("IncompleteSignature", 400),
              "MissingAuthenticationToken": ("MissingAuthenticationToken", 403),
              "RequestExpired": ("SignatureDoesNotMatch", 403),
              "RequestExpired@presigned": ("RequestExpired", 403)},
    "ec2": {"InvalidClientTokenId": ("AuthFailure", 401),
            "SignatureDoesNotMatch": ("SignatureDoesNotMatch", 403),
            "IncompleteSignature": ("IncompleteSignature", 400),
            "MissingAuthenticationToken": ("MissingAuthenticationToken", 403),
            "RequestExpired": ("RequestExpired", 400),
            "RequestExpired@presigned": ("RequestExpired", 400)},
    "json": {code: (name, 400) for code, name in _JSON_NAMES.items()},
    "rest-json": {code: (name, 403) for code, name in _JSON_NAMES.items()},
    "rest-xml": {"InvalidClientTokenId": ("InvalidAccessKeyId", 403),
                 "SignatureDoesNotMatch": ("SignatureDoesNotMatch", 403),
                 "IncompleteSignature": ("IncompleteSignature", 400),
                 "MissingAuthenticationToken": ("AccessDenied", 403),
                 "RequestExpired": ("RequestTimeTooSkewed", 403),
                 "RequestExpired@presigned": ("AccessDenied", 403)},
}
_EC2_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"


def protocol(environ: Mapping[str, Any], body: bytes = b"") -> tuple[str, str | None]:
    """(protocol, service) of a request: query, ec2, json, rest-json or rest-xml (S3)."""
    service = signing_service(environ)
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json", service
    if service == "s3":
        return "rest-xml", service
    if service == "ec2":
        return "ec2", service
    form = environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
    if service in _QUERY_NAMESPACES or form or _has_action(environ, body):
        if service is None and _version(environ, body) == "2016-11-15":
            return "ec2", "ec2"
        return "query", service
    return "rest-json", service


def _form(environ: Mapping[str, Any], body: bytes) -> dict[str, list[str]]:
    fields = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        fields.update(parse_qs(body[:65536].decode("utf-8", "replace")))
    return fields


def _has_action(environ: Mapping[str, Any], body: bytes) -> bool:
    return "Action" in _form(environ, body)


def _version(environ: Mapping[str, Any], body: bytes) -> str | None:
    return (_form(environ, body).get("Version") or [None])[0]


def error_response(environ: Mapping[str, Any], body: bytes, code: str, message: str,
                   status: int) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of AWS's answer with `code` for this request."""
    kind, service = protocol(environ, body)
    request_id = str(uuid.uuid4())
    text, msg = escape(code), escape(message)
    if kind == "json":
        headers = [("Content-Type", "application/x-amz-json-1.1"),
                   ("x-amzn-RequestId", request_id)]
        payload = json.dumps({"__type": code, "message": message}).encode()
    elif kind == "rest-json":
        headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id),
                   ("x-amzn-ErrorType", f"{code}:")]
        payload = json.dumps({"message": message, "__type": code}).encode()
    elif kind == "ec2":
        headers = [("Content-Type", "text/xml;charset=UTF-8")]
        payload = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                   f"<Code>{text}</Code><Message>{msg}</Message></Error></Errors>"
                   f"<RequestID>{request_id}</RequestID></Response>").encode()
    elif kind == "rest-xml":
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id[:16])]
        payload = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
                   f"<Code>{text}</Code><Message>{msg}</Message>"
                   f"<RequestId>{request_id[:16]}</RequestId></Error>").encode()
    else:
        namespace = _QUERY_NAMESPACES.get(service or "", _QUERY_NAMESPACES["iam"])
        sender = "Sender" if status < 500 else "Receiver"
        headers = [("Content-Type", "text/xml")]
        payload = (f'<ErrorResponse xmlns="{namespace}"><Error><Type>{sender}</Type>'
                   f"<Code>{text}</Code><Message>{msg}</Message></Error>"
                   f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
    headers.append(("Content-Length", str(len(payload))))
    return f"{status} {_REASONS.get(status, 'Error')}", headers, payload


def auth_error(kind: str, error: Any) -> tuple[str, str, int]:
    """(code, message, status) of a refused signature (a sigv4.SignatureError) as the
    protocol `kind` answers it; a code the table does not know keeps its own name."""
    reason = f"{error.code}@presigned" if error.presigned and error.code == "RequestExpired" \
        else error.code
    code, status = AUTH_ERRORS.get(kind, {}).get(reason, (error.code, error.status))
    message = error.message
    if kind == "ec2" and code == "AuthFailure":
        message = _EC2_AUTH_FAILURE
    elif kind == "rest-xml" and code == "RequestTimeTooSkewed":
        message = ("The difference between the request time and the current time is too "
                   f"large. ({error.message})")
    return code, message, status


def refuse(environ: Mapping[str, Any], start_response: Callable, body: bytes,
           error: Any) -> Iterable[bytes]:
    """Answer a refused signature (sigv4.SignatureError) as the called service would."""
    code, message, status = auth_error(protocol(environ, body)[0], error)
    return answer(environ, start_response, body, code, message, status)


def answer(environ: Mapping[str, Any], start_response: Callable, body: bytes, code: str,
           message: str, status: int) -> Iterable[bytes]:
    """Send AWS's error answer for this request (a WSGI response)."""
    status_line, headers, payload = error_response(environ, body, code, message, status)
    start_response(status_line, headers)
    return [payload]
