"""The one place where requests signed by simulated role sessions are judged.

moto authorizes every request in `ActionAuthenticatorMixin._authenticate_and_authorize_action`
(called by `BaseResponse.call_action` for most services and by S3's handlers with the
bucket/key ARN), in-process and in server mode alike. The wrapper installed there asks
`models.judge` first: for a role session the simulator issued, the verdict is final
(moto's own engine would wrongly deny new sessions under a TokenIssueTime deny); any
other key (the learner's IAM user, unknown keys) goes on to moto unchanged.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from labguide.sim.clock import clock_for
from labguide.sim.iam_revocation.models import Decision, judge

# REST APIs whose operation name differs from the IAM action that authorizes it.
S3_IAM_ACTIONS = {
    "ListBuckets": "ListAllMyBuckets",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "HeadBucket": "ListBucket",
    "HeadObject": "GetObject",
    "CopyObject": "PutObject",
    "DeleteObjects": "DeleteObject",
}


class SessionDenied(HTTPException):
    """An AWS error response for a refused request, shaped for the service's protocol."""

    def __init__(self, status: int, content_type: str, body: str, error_code: str):
        super().__init__(description=body)
        self.code = status
        self._content_type = content_type
        self.error_code = error_code

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", self._content_type), ("X-Amzn-ErrorType", self.error_code)]

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self.description or ""


def _scope(headers: Any) -> list[str]:
    """The SigV4 credential scope: KEY/DATE/REGION/SERVICE/aws4_request."""
    authorization = headers.get("Authorization", "") if headers is not None else ""
    return authorization.partition("Credential=")[2].partition(",")[0].split("/")


def signing_service(headers: Any, fallback: str) -> str:
    """The IAM service prefix from the SigV4 credential scope."""
    scope = _scope(headers)
    return scope[3] if len(scope) > 3 and scope[3] else fallback


def signing_region(headers: Any, fallback: str | None) -> str | None:
    """The region the request was signed for: what aws:RequestedRegion holds."""
    scope = _scope(headers)
    return scope[2] if len(scope) > 2 and scope[2] else fallback


LOOPBACK = "127.0.0.1"


def source_ip(request: Any) -> str:
    """The caller's address (aws:SourceIp): the peer of a served request; in process,
    where boto3 talks to moto without a socket, the caller is this machine."""
    environ = getattr(request, "environ", None)
    if isinstance(environ, dict) and environ.get("REMOTE_ADDR"):
        return str(environ["REMOTE_ADDR"])
    return LOOPBACK


def iam_action(service: str, operation: str) -> str:
    if service == "s3":
        operation = S3_IAM_ACTIONS.get(operation, operation)
    return f"{service}:{operation}"


def authorize_role_session(response: Any, resource: str) -> bool:
    """Judge the request held by `response` (a moto BaseResponse after setup_class).

    Returns True when the request was signed by a simulated role session and is allowed,
    False when the key is not such a session; raises SessionDenied when refused.
    """
    access_key = response.get_access_key()
    if not access_key.startswith("ASIA"):
        return False
    service = signing_service(response.headers, response.service_name or "")
    operation = response._get_action() or ""
    if isinstance(operation, list):
        operation = operation[0]
    action = iam_action(service, operation)
    account_id = response.current_account
    decision = judge(access_key, action, resource, clock_for(account_id).now(),
                     source_ip=source_ip(getattr(response, "request", None)),
                     region=signing_region(response.headers, getattr(response, "region", None)),
                     account_id=account_id)
    if decision is None:
        return False
    if decision.allowed:
        return True
    raise denial(decision, service=service, headers=response.headers)


def denial(decision: Decision, *, service: str, headers: Any) -> SessionDenied:
    code = decision.error_code or "AccessDenied"
    message = decision.message
    status = 400 if code == "ExpiredToken" else 403
    content_type = (headers.get("Content-Type") or "") if headers is not None else ""
    if "json" in content_type:
        json_code = "AccessDeniedException" if code == "AccessDenied" else code
        if service in ("iam", "sts", "sns"):  # awsQuery-compatible JSON keeps the query code
            json_code = code
        body = json.dumps({"__type": json_code, "message": message, "Message": message})
        return SessionDenied(status, "application/x-amz-json-1.1", body, json_code)
    if service == "s3":
        if code == "ExpiredToken":
            message = "The provided token has expired."
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            "<RequestId>labguide</RequestId><HostId>labguide</HostId></Error>"
        )
        return SessionDenied(status, "application/xml", body, code)
    if service == "ec2":
        if code == "AccessDenied":
            code = "UnauthorizedOperation"
            message = f"You are not authorized to perform this operation. {message}"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}"
            "</Message></Error></Errors><RequestID>labguide</RequestID></Response>"
        )
        return SessionDenied(status, "text/xml", body, code)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        "<RequestId>labguide</RequestId></ErrorResponse>"
    )
    return SessionDenied(status, "text/xml", body, code)
