"""Signature Version 4 checking of incoming requests, with botocore's own canonical forms.

A simulator serving several accounts (`sim serve`, `class serve`) must not let a request
act in an account whose secret key it does not hold: moto itself trusts the access key id
in the Authorization header and nothing else. `SignatureChecker.check` rebuilds the
request as botocore would see it, has `botocore.auth.SigV4Auth` compute the canonical
request and the string to sign (limited to the headers the client says it signed, the
payload hash taken from the body), and compares the signature made with the key's real
secret. Header (`Authorization: AWS4-HMAC-SHA256 ...`) and query-string (presigned,
`X-Amz-Signature=`) forms are both checked, with the 15 minutes of clock skew AWS allows
and a presigned URL's `X-Amz-Expires`.

Failures are `SignatureError`s carrying the error code AWS gives, for
`labguide.sim.aws_errors` to answer in the called service's protocol.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)  # AWS: requests dated more than 15 minutes away are refused
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
UNSIGNED_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_HEADER_PARAM = re.compile(r"\s*([A-Za-z]+)\s*=\s*([^,\s]*)\s*,?")

INVALID_TOKEN = "The security token included in the request is invalid."
MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")


class SignatureError(Exception):
    """A request refused before it reached moto, with the reason's error code as the query
    protocol (IAM, STS) names it; `labguide.sim.aws_errors.auth_error` gives the name and
    status the called service's protocol uses. `presigned`: the query-string form."""

    def __init__(self, code: str, message: str, status: int = 403, *,
                 presigned: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.presigned = presigned


@dataclass(frozen=True)
class KeyRecord:
    """What the checker needs of an access key: its secret, session token and account."""

    secret_access_key: str
    account_id: str
    session_token: str | None = None


# access key id -> its record, or None if unknown (or not in an account this server holds)
KeyLookup = Callable[[str], "KeyRecord | None"]


@dataclass(frozen=True)
class Signed:
    """A request whose signature checked out: who signed it, for which service."""

    access_key_id: str
    account_id: str
    service: str
    region: str
    date: str = ""

    def as_header(self) -> str:
        """An Authorization header naming this signer, for routing a checked request."""
        return (f"{ALGORITHM} Credential={self.access_key_id}/{self.date}/{self.region}/"
                f"{self.service}/aws4_request, SignedHeaders=host, Signature=checked")


@dataclass(frozen=True)
class _Parts:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str
    expires: int | None  # presigned URLs only
    token: str | None


def signing_service(environ: Mapping[str, Any]) -> str | None:
    """The service named in the request's credential scope, if it has one (for errors)."""
    source = environ.get("HTTP_AUTHORIZATION", "") or environ.get("QUERY_STRING", "")
    match = re.search(r"Credential=[^/,&\s]+(?:/|%2F)\d{8}(?:/|%2F)[^/%]+(?:/|%2F)([a-z0-9-]+)",
                      source)
    return match.group(1) if match else None


class SignatureChecker:
    """Checks SigV4 signatures against secrets found by `lookup`; thread-safe."""

    def __init__(self, lookup: KeyLookup, *, now: Callable[[], datetime] | None = None):
        self._lookup = lookup
        self._now = now or (lambda: datetime.now(UTC))
        self._keys_lock = threading.Lock()
        self._signing_keys: dict[tuple[str, str, str, str], bytes] = {}

    def check(self, environ: Mapping[str, Any], body: bytes) -> Signed:
        """The signer of a request; SignatureError (with AWS's code) if it is not valid."""
        parts = _parts(environ)
        self._check_time(parts)
        record = self._lookup(parts.access_key_id)
        if record is None:
            raise SignatureError("InvalidClientTokenId", INVALID_TOKEN)
        if record.session_token is not None and not hmac.compare_digest(
                (parts.token or "").encode(), record.session_token.encode()):
            raise SignatureError("InvalidClientTokenId", INVALID_TOKEN)
        string_to_sign = _string_to_sign(environ, body, parts)
        key = self._signing_key(record.secret_access_key, parts)
        expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.signature.lower()):
            raise SignatureError("SignatureDoesNotMatch", MISMATCH)
        return Signed(parts.access_key_id, record.account_id, parts.service, parts.region,
                      parts.date)

    def _check_time(self, parts: _Parts) -> None:
        try:
            signed_at = datetime.strptime(parts.timestamp, _AMZ_DATE).replace(tzinfo=UTC)
        except ValueError:
            raise SignatureError(
                "IncompleteSignature",
                f"Date must be in ISO-8601 'basic format'. Got '{parts.timestamp}'. See "
                "http://en.wikipedia.org/wiki/ISO_8601", 400) from None
        if parts.timestamp[:8] != parts.date:
            raise SignatureError(
                "SignatureDoesNotMatch",
                f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                f"date from HTTP: '{parts.date}' != '{parts.timestamp[:8]}', from "
                f"'{parts.timestamp}'.")
        now = self._now()
        stamp = now.strftime(_AMZ_DATE)
        if parts.expires is not None:
            if signed_at > now + MAX_SKEW:
                raise SignatureError("RequestExpired", "Request is not yet valid.",
                                     presigned=True)
            if now > signed_at + timedelta(seconds=parts.expires):
                raise SignatureError("RequestExpired", "Request has expired.", presigned=True)
            return
        # AWS's own words for a header-signed request out of the window (STS, DynamoDB...)
        if signed_at < now - MAX_SKEW:
            earliest = (now - MAX_SKEW).strftime(_AMZ_DATE)
            raise SignatureError(
                "RequestExpired",
                f"Signature expired: {parts.timestamp} is now earlier than {earliest} "
                f"({stamp} - 15 min.)")
        if signed_at > now + MAX_SKEW:
            latest = (now + MAX_SKEW).strftime(_AMZ_DATE)
            raise SignatureError(
                "RequestExpired",
                f"Signature not yet current: {parts.timestamp} is still later than {latest} "
                f"({stamp} + 15 min.)")

    def _signing_key(self, secret: str, parts: _Parts) -> bytes:
        """The derived key for (secret, day, region, service), cached: four HMACs saved."""
        cache_key = (secret, parts.date, parts.region, parts.service)
        key = self._signing_keys.get(cache_key)
        if key is None:
            key = _derive(secret, parts.date, parts.region, parts.service)
            with self._keys_lock:
                if len(self._signing_keys) > 50_000:
                    self._signing_keys.clear()
                self._signing_keys[cache_key] = key
        return key


def _derive(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


# ----- reading the signature's parts ---------------------------------------------------------


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in query.split("&") if query else ():
        name, _, value = item.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def _parts(environ: Mapping[str, Any]) -> _Parts:
    header = environ.get("HTTP_AUTHORIZATION", "")
    query = dict(_query_pairs(environ.get("QUERY_STRING", "")))
    if header:
        return _header_parts(header, environ)
    if "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        return _query_parts(query)
    raise SignatureError("MissingAuthenticationToken", "Request is missing Authentication Token")


def _scope(credential: str) -> tuple[str, str, str, str]:
    pieces = credential.split("/")
    if len(pieces) != 5 or pieces[4] != "aws4_request" or not pieces[0]:
        raise SignatureError(
            "IncompleteSignature",
            f"Credential should be scoped to a valid region, service and terminated by "
            f"'aws4_request'. Credential={credential}", 400)
    return pieces[0], pieces[1], pieces[2], pieces[3]


def _header_parts(header: str, environ: Mapping[str, Any]) -> _Parts:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError(
            "IncompleteSignature",
            f"Unsupported authorization type or algorithm '{algorithm[:40]}': requests must "
            f"be signed with {ALGORITHM} (Signature Version 4).", 400)
    params = {name: value for name, value in _HEADER_PARAM.findall(rest)}
    missing = [name for name in ("Credential", "SignedHeaders", "Signature")
               if not params.get(name)]
    timestamp = environ.get("HTTP_X_AMZ_DATE", "")
    problems = [f"Authorization header requires '{name}' parameter." for name in missing]
    if not timestamp:
        problems.append("Authorization header requires existence of either a 'X-Amz-Date' "
                        "or a 'Date' header.")
    if problems:
        raise SignatureError("IncompleteSignature", " ".join(problems), 400)
    key, date, region, service = _scope(params["Credential"])
    signed = tuple(params["SignedHeaders"].lower().split(";"))
    if "host" not in signed:
        raise SignatureError("SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the "
                                                      "AWS Authorization.")
    return _Parts(key, date, region, service, signed, params["Signature"], timestamp, None,
                  environ.get("HTTP_X_AMZ_SECURITY_TOKEN"))


def _query_parts(query: Mapping[str, str]) -> _Parts:
    missing = [name for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                 "X-Amz-SignedHeaders", "X-Amz-Signature") if not query.get(name)]
    if missing:
        raise SignatureError("IncompleteSignature", "AWS query-string parameters must include "
                             + ", ".join(f"'{name}'" for name in missing) + ".", 400)
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise SignatureError("IncompleteSignature",
                             f"X-Amz-Algorithm only supports '{ALGORITHM}'", 400)
    try:
        expires = int(query.get("X-Amz-Expires") or 900)
    except ValueError:
        expires = -1
    if not 0 < expires <= MAX_PRESIGN_EXPIRES:
        raise SignatureError("IncompleteSignature", "X-Amz-Expires must be a number of seconds "
                             f"from 1 to {MAX_PRESIGN_EXPIRES}.", 400)
    key, date, region, service = _scope(query["X-Amz-Credential"])
    signed = tuple(query["X-Amz-SignedHeaders"].lower().split(";"))
    return _Parts(key, date, region, service, signed, query["X-Amz-Signature"],
                  query["X-Amz-Date"], expires, query.get("X-Amz-Security-Token"))


# ----- botocore's canonical request ------------------------------------------------------------


@lru_cache(maxsize=1)
def _signer_class() -> type:
    from botocore.auth import SigV4Auth

    class RequestVerifier(SigV4Auth):
        """botocore's SigV4 canonical forms over a received request (headers as signed)."""

        def __init__(self, parts: _Parts, headers: Any, payload_hash: str, unquoted_path: bool):
            super().__init__(None, parts.service, parts.region)
            self._signed_headers = headers
            self._payload_hash = payload_hash
            self._unquoted_path = unquoted_path

        def headers_to_sign(self, request: Any) -> Any:
            return self._signed_headers

        def payload(self, request: Any) -> str:
            return self._payload_hash

        def _normalize_url_path(self, path: str) -> str:
            if self._unquoted_path:  # S3: the path as sent, encoded once
                return path or "/"
            return super()._normalize_url_path(path)

    return RequestVerifier


def _string_to_sign(environ: Mapping[str, Any], body: bytes, parts: _Parts) -> str:
    from botocore.awsrequest import AWSRequest, HTTPHeaders

    headers = HTTPHeaders()
    for name in parts.signed_headers:
        value = _header(environ, name)
        if value is None:
            raise SignatureError("SignatureDoesNotMatch", MISMATCH)
        headers[name] = value
    declared = _header(environ, "x-amz-content-sha256")
    actual = hashlib.sha256(body).hexdigest()
    if declared and not declared.startswith(UNSIGNED_PAYLOADS) and declared != actual:
        raise SignatureError("SignatureDoesNotMatch", "The provided 'x-amz-content-sha256' "
                             "header does not match what was computed.")
    if parts.expires is not None and parts.service == "s3":
        payload_hash = "UNSIGNED-PAYLOAD"
    else:
        payload_hash = declared or actual
    raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
    path = raw_uri.split("?", 1)[0] or "/"
    if "://" in path:  # an absolute-form request target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    pairs = [(k, v) for k, v in _query_pairs(environ.get("QUERY_STRING", ""))
             if k != "X-Amz-Signature" or parts.expires is None]
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"),
                         url=f"http://{headers.get('host', 'localhost')}{path}")
    request.params = pairs
    request.context["timestamp"] = parts.timestamp
    signer = _signer_class()(parts, headers, payload_hash, parts.service == "s3")
    if not pairs:
        request.params = {}
    canonical = signer.canonical_request(request)
    return signer.string_to_sign(request, canonical)


def _header(environ: Mapping[str, Any], name: str) -> str | None:
    if name == "content-type":
        return environ.get("CONTENT_TYPE")
    if name == "content-length":
        return environ.get("CONTENT_LENGTH")
    return environ.get("HTTP_" + name.upper().replace("-", "_"))
