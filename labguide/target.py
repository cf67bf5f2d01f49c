"""How to reach an account: a simulator, an AWS-compatible endpoint, or a real account.

This is the one place that creates boto3 sessions and clients, so every consumer
(checks, actions, panes) gets the same timeouts, retry policy and credentials,
and the one place that turns an AWS failure into a sentence naming its cause and
what to grant or set.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlparse

import boto3
import botocore.exceptions as bex
from botocore import xform_name
from botocore.config import Config
from botocore.utils import validate_region_name

from labguide import deadline
from labguide.errors import UserError
from labguide.readops import describe as describe_operation
from labguide.readops import is_read

TargetKind = Literal["sim", "endpoint", "aws"]

# Errors whose code means the credentials themselves were refused.
_CREDENTIAL_CODES = frozenset({
    "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
    "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException",
    "AuthFailure",
    "InvalidAccessKeyId", "InvalidToken", "TokenRefreshRequired",
})
_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden",
    "UnauthorizedException",
})
_THROTTLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "SlowDown", "RequestThrottled", "RequestThrottledException",
})
_CONNECTION_ERRORS = (
    bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError,
    bex.ConnectionClosedError, bex.ProxyConnectionError,
)

_NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
    "(and AWS_SESSION_TOKEN for temporary keys), or pass --profile"
)


@dataclass(frozen=True)
class Credentials:
    """A static key pair (the simulator's learner, or a test's)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never show the secret
        return f"Credentials(access_key_id={mask_key(self.access_key_id)!r})"


@dataclass(frozen=True)
class AccountIdentity:
    account_id: str
    arn: str


class AwsCallFailed(Exception):
    """An AWS call failed; `reason` says why in the user's terms, `code` is AWS's code."""

    def __init__(self, reason: str, *, code: str, service: str, operation: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.service = service
        self.operation = operation


class ChangeRefused(AwsCallFailed):
    """A call that is not on the read list, refused before it was sent because the
    target is a real account and changes were not allowed."""

    def __init__(self, service: str, operation: str):
        action = describe_operation(service, operation)
        super().__init__(
            f"{action} changes the account (it is not on labguide's list of read "
            "operations) and changes to this real account are off (--allow-changes / --yes); "
            "nothing was sent", code="ChangesNotAllowed", service=service, operation=operation)


def mask_key(key: str | None) -> str:
    """An access key id shortened to its prefix and last four characters (ASIA…Q3XZ)."""
    if not key:
        return "‹unknown key›"
    key = str(key)
    if len(key) <= 8:
        return key
    return f"{key[:4]}…{key[-4:]}"


_KEY_PATTERN = re.compile(r"\b((?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,})\b")


def mask_keys(text: str) -> str:
    """Mask every access key id in a text (summaries and messages are shown and logged)."""
    return _KEY_PATTERN.sub(lambda m: mask_key(m.group(1)) if m.group(1)[:4] in ("AKIA", "ASIA")
                            else m.group(1), text)


def explain_failure(exc: BaseException, service: str, operation: str,
                    endpoint: str | None = None) -> AwsCallFailed:
    """Turn a botocore exception into an AwsCallFailed whose reason names what to fix."""
    action = f"{service}:{operation}"
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        return AwsCallFailed(_NO_CREDENTIALS, code="NoCredentials", service=service,
                             operation=operation)
    if isinstance(exc, bex.NoRegionError):
        return AwsCallFailed("no AWS region: set AWS_DEFAULT_REGION or pass --region",
                             code="NoRegion", service=service, operation=operation)
    if isinstance(exc, bex.TokenRetrievalError | bex.SSOTokenLoadError
                  | bex.UnauthorizedSSOTokenError):
        return AwsCallFailed(
            f"the AWS credentials could not be refreshed ({exc}): log in again "
            "(e.g. `aws sso login`) or set fresh keys", code="ExpiredToken",
            service=service, operation=operation)
    if isinstance(exc, _CONNECTION_ERRORS):
        where = endpoint or "the AWS endpoint"
        return AwsCallFailed(
            f"cannot reach {where} for {action} ({type(exc).__name__}): check that the "
            "endpoint is running and reachable", code="EndpointUnreachable",
            service=service, operation=operation)
    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or "").strip()
        if code in _CREDENTIAL_CODES:
            reason = (f"the AWS credentials were rejected on {action} ({code}): they are "
                      "expired or invalid; refresh them (e.g. `aws sso login`) or set new keys")
        elif code in _DENIED_CODES:
            reason = f"{code} on {action}: grant {action}"
        elif code in _THROTTLE_CODES:
            reason = f"throttled on {action} ({code}) after retries: try again in a moment"
        else:
            reason = f"{code} on {action}" + (f": {message}" if message else "")
        return AwsCallFailed(reason, code=code, service=service, operation=operation)
    if isinstance(exc, bex.ParamValidationError):
        return AwsCallFailed(f"invalid parameters for {action}: {exc}", code="InvalidParameter",
                             service=service, operation=operation)
    if isinstance(exc, bex.BotoCoreError):
        return AwsCallFailed(f"{action} failed: {exc}", code=type(exc).__name__,
                             service=service, operation=operation)
    raise TypeError(f"not an AWS failure: {exc!r}")


class _ClientCache:
    """The mutable part of a frozen Target: one session, clients made once under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.session: boto3.Session | None = None
        self.clients: dict[str, Any] = {}
        self.identity: AccountIdentity | None = None
        self.hooks: list[tuple[str, Any]] = []


@dataclass(frozen=True)
class Target:
    """Where the account is and how to talk to it. Thread-safe; clients are cached."""

    kind: TargetKind
    region: str
    endpoint_url: str | None = None
    profile: str | None = None
    credentials: Credentials | None = field(default=None, repr=False)
    allow_changes: bool = False
    clock: Callable[[], datetime] | None = field(default=None, repr=False, compare=False)
    # Lets simulated time pass (seconds): set only where this process owns the account's
    # world (`labguide test`), so waits move the world clock instead of sleeping.
    pass_time: Callable[[float], Any] | None = field(default=None, repr=False, compare=False)
    _cache: _ClientCache = field(default_factory=_ClientCache, init=False, repr=False,
                                 compare=False)

    # ----- construction --------------------------------------------------------------------

    @classmethod
    def for_simulator(cls, endpoint_url: str, credentials: Any, region: str, *,
                      clock: Callable[[], datetime] | None = None,
                      pass_time: Callable[[float], Any] | None = None) -> Target:
        """A simulated account: its endpoint and the learner's keys (any object with
        access_key_id and secret_access_key, such as a world's `learner`); `clock` is the
        world's time source (e.g. `world.clock.now`), which may run ahead of this machine's;
        `pass_time(seconds)` moves that world on (e.g. `world.advance`), for a caller that
        owns it: waiters then wait on the world clock rather than sleeping."""
        creds = Credentials(
            access_key_id=credentials.access_key_id,
            secret_access_key=credentials.secret_access_key,
            session_token=getattr(credentials, "session_token", None),
        )
        return cls(kind="sim", region=region, endpoint_url=endpoint_url, credentials=creds,
                   allow_changes=True, clock=clock, pass_time=pass_time)

    @classmethod
    def for_endpoint(cls, endpoint_url: str, *, region: str | None, profile: str | None = None,
                     default_region: str | None = None,
                     allow_changes: bool | None = None) -> Target:
        """Any AWS-compatible endpoint; credentials from boto3's chain (env, --profile).
        Changes are allowed unless the endpoint is AWS itself (*.amazonaws.com), which is
        a real account: read-only unless `allow_changes` says otherwise."""
        host = check_endpoint_url(endpoint_url)
        if allow_changes is None:
            allow_changes = not is_aws_host(host)
        session = _new_session(profile)
        target = cls(kind="endpoint", region=_region(region, session, default_region),
                     endpoint_url=endpoint_url, profile=profile, allow_changes=allow_changes)
        target._adopt(session)
        return target

    @classmethod
    def for_aws(cls, *, region: str | None, profile: str | None = None,
                default_region: str | None = None, allow_changes: bool = False) -> Target:
        """A real account through boto3's default chain; read-only unless allowed."""
        session = _new_session(profile)
        target = cls(kind="aws", region=_region(region, session, default_region),
                     profile=profile, allow_changes=allow_changes)
        target._adopt(session)
        return target

    def _adopt(self, session: boto3.Session) -> None:
        """Take a session and insist that it has credentials, naming what to set if not."""
        try:
            creds = session.get_credentials()
        except bex.BotoCoreError as exc:
            raise UserError(f"cannot load AWS credentials: {exc}") from None
        if creds is None:
            raise UserError(_NO_CREDENTIALS)
        self._cache.session = session

    # ----- clients ---------------------------------------------------------------------------

    @property
    def is_real_account(self) -> bool:
        """A real AWS account: --aws, or an endpoint on amazonaws.com."""
        if self.kind == "aws":
            return True
        try:
            host = urlparse(self.endpoint_url or "").hostname or ""
        except ValueError:
            return False
        return is_aws_host(host)

    @property
    def may_change(self) -> bool:
        """Whether calls outside the read list may be sent: always on a simulator or a
        local endpoint, on a real account only when changes were allowed."""
        return self.allow_changes or not self.is_real_account

    def _refuse_changes(self, model: Any, **_: Any) -> None:
        """botocore hook on a read-only real account: anything not a listed read stops here."""
        service = model.service_model.service_name
        if not is_read(service, model.name):
            raise ChangeRefused(service, model.name)

    @property
    def session(self) -> boto3.Session:
        with self._cache.lock:
            return self._session_locked()

    def _session_locked(self) -> boto3.Session:
        cache = self._cache
        if cache.session is None:
            if self.credentials is not None:
                cache.session = boto3.Session(
                    aws_access_key_id=self.credentials.access_key_id,
                    aws_secret_access_key=self.credentials.secret_access_key,
                    aws_session_token=self.credentials.session_token,
                    region_name=self.region,
                )
            else:
                cache.session = _new_session(self.profile)
        return cache.session

    def _config(self) -> Config:
        local = self.kind == "sim"
        return Config(
            region_name=self.region,
            connect_timeout=2 if local else 4,
            read_timeout=10 if local else 15,
            retries={"mode": "adaptive", "max_attempts": 2 if local else 4},
            max_pool_connections=16,
            ignore_configured_endpoint_urls=self.kind == "aws",
        )

    def client(self, service: str, region: str | None = None) -> Any:
        """A cached boto3 client for `service` (clients are thread-safe once made), in the
        target's region or `region` (IAM's CloudTrail events are kept in us-east-1)."""
        key = service if region in (None, self.region) else f"{service}@{region}"
        client = self._cache.clients.get(key)
        if client is not None:
            return client
        with self._cache.lock:
            client = self._cache.clients.get(key)
            if client is None:
                session = self._session_locked()
                config = self._config()
                if key != service:
                    config = config.merge(Config(region_name=region))
                kwargs: dict[str, Any] = {"region_name": region or self.region,
                                          "config": config}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                try:
                    client = session.client(service, **kwargs)
                except bex.UnknownServiceError:
                    raise UserError(f"unknown AWS service {service!r}") from None
                except bex.InvalidRegionError:
                    raise UserError(f"{region or self.region!r} is not a valid AWS region name "
                                    "(e.g. us-east-1): check --region") from None
                except ValueError as exc:  # botocore: an endpoint URL it cannot use
                    raise UserError(f"cannot use endpoint {self.endpoint_url!r}: {exc}") from None
                deadline.install(client)
                client.meta.events.register("after-call.*.*", deadline.check_whole)
                if not self.may_change:  # first, before any other handler sees the call
                    client.meta.events.register_first("before-parameter-build.*.*",
                                                      self._refuse_changes)
                for event, handler in self._cache.hooks:
                    client.meta.events.register(event, handler)
                self._cache.clients[key] = client
        return client

    def on_event(self, event: str, handler: Any) -> None:
        """Register a botocore event handler on every client, present and future
        (tests count calls with `before-call.*.*`)."""
        with self._cache.lock:
            self._cache.hooks.append((event, handler))
            clients = list(self._cache.clients.values())
        for client in clients:
            client.meta.events.register(event, handler)

    @property
    def call_deadline(self) -> float:
        """Seconds one call may take in all (connect, send, every read, retries)."""
        return 10.0 if self.kind == "sim" else 30.0

    def call(self, service: str, operation: str, *, region: str | None = None,
             **params: Any) -> dict[str, Any]:
        """Call `service.Operation(**params)` (in `region`, default the target's) within
        `call_deadline`; failures raise AwsCallFailed with a reason (a stalled or cut
        answer names the endpoint)."""
        client = self.client(service, region)
        where = self.endpoint_url or client.meta.endpoint_url
        action = f"{_iam_prefix(client)}:{operation}"
        with deadline.deadline(self.call_deadline) as expired:
            try:
                return getattr(client, xform_name(operation))(**params)
            except (bex.BotoCoreError, bex.ClientError) as exc:
                if expired.is_set():
                    raise AwsCallFailed(
                        f"no complete answer from {where} to {action} within "
                        f"{self.call_deadline:g} s: the endpoint is stalled or too slow",
                        code="DeadlineExceeded", service=_iam_prefix(client),
                        operation=operation) from exc
                raise explain_failure(exc, _iam_prefix(client), operation,
                                      self.endpoint_url) from exc
            except deadline.NotWhole as exc:
                raise AwsCallFailed(
                    f"the answer from {where} to {action} is not whole: {exc}",
                    code="IncompleteResponse", service=_iam_prefix(client),
                    operation=operation) from None

    # ----- identity and time -----------------------------------------------------------------

    def identity(self, *, refresh: bool = False) -> AccountIdentity:
        """The account and principal behind the credentials (STS GetCallerIdentity)."""
        if self._cache.identity is not None and not refresh:
            return self._cache.identity
        response = self.call("sts", "GetCallerIdentity")
        identity = AccountIdentity(account_id=response["Account"], arn=response["Arn"])
        self._cache.identity = identity
        return identity

    def now(self) -> datetime:
        """The account's current time, to the second: the simulator's clock when known,
        else the Date header of an STS response, else this machine's UTC clock."""
        if self.clock is not None:
            return self.clock().astimezone(UTC).replace(microsecond=0)
        response = self.call("sts", "GetCallerIdentity")
        header = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        if header:
            try:
                return parsedate_to_datetime(header).astimezone(UTC)
            except (TypeError, ValueError):
                pass
        return datetime.now(UTC).replace(microsecond=0)

    def describe(self) -> dict[str, Any]:
        """JSON-safe description without secrets (for `check --json` and the app)."""
        info: dict[str, Any] = {"kind": self.kind, "region": self.region}
        if self.endpoint_url:
            info["endpoint_url"] = self.endpoint_url
        if self.profile:
            info["profile"] = self.profile
        if self._cache.identity is not None:
            info["account_id"] = self._cache.identity.account_id
        return info


def _iam_prefix(client: Any) -> str:
    """The IAM action prefix of a client's service (guardduty, iam, ec2, ssm, sts...)."""
    model = client.meta.service_model
    return model.signing_name or model.endpoint_prefix


def _new_session(profile: str | None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile)
    except bex.ProfileNotFound:
        raise UserError(f"AWS profile {profile!r} not found: check --profile and "
                        "~/.aws/config (or AWS_CONFIG_FILE)") from None


def _region(region: str | None, session: boto3.Session, default: str | None) -> str:
    chosen = region or default or session.region_name
    if not chosen:
        raise UserError("no AWS region: pass --region or set AWS_DEFAULT_REGION")
    return check_region(chosen)


def is_aws_host(host: str) -> bool:
    """AWS's own endpoints (a real account): amazonaws.com and amazonaws.com.cn hosts."""
    host = host.lower().rstrip(".")
    return host in ("amazonaws.com", "amazonaws.com.cn") or host.endswith(
        (".amazonaws.com", ".amazonaws.com.cn"))


_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")  # "_": container names


def check_endpoint_url(endpoint_url: str) -> str:
    """The endpoint URL's host, or UserError naming what is wrong with the URL
    (scheme, host, port), before botocore or urllib3 trip over it mid-round."""
    shown = f"--endpoint {endpoint_url!r}"
    try:
        parsed = urlparse(endpoint_url)
        port = parsed.port
        host = parsed.hostname or ""
    except ValueError as exc:
        raise UserError(f"{shown} is not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UserError(f"{shown} is not an http(s) URL")
    if not host:
        raise UserError(f"{shown} has no host")
    if port == 0:
        raise UserError(f"{shown} has port 0; give the port the endpoint listens on")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not all(_HOST_LABEL.match(label) for label in host.rstrip(".").split(".")):
            raise UserError(f"{shown} has an invalid host name {host!r}") from None
    return host


def check_region(region: str) -> str:
    """The region name, or UserError if AWS could never accept it (e.g. 'bad region!')."""
    try:
        validate_region_name(region)
    except bex.InvalidRegionError:
        raise UserError(f"{region!r} is not a valid AWS region name (e.g. us-east-1): "
                        "check --region") from None
    return region


def check_simulated_region(region: str) -> str:
    """A region the simulator can build a world in: one where AWS offers EC2."""
    check_region(region)
    known = boto3.Session().get_available_regions("ec2")
    if region not in known:
        raise UserError(f"the simulator has no region {region!r}; use an AWS region such as "
                        "us-east-1 or eu-west-1 (--region or the scenario's region)")
    return region
