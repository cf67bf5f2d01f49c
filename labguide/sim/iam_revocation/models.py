"""Role sessions and how IAM judges a request signed with one.

moto knows which role an `ASIA…` key belongs to but not when its session was issued,
and its opt-in policy engine evaluates neither conditions nor session policies nor
permissions boundaries: a "revoke older sessions" policy (`Deny *` with `DateLessThan
aws:TokenIssueTime`) would block new sessions too, and a `Deny *` on the attacker's
`aws:SourceIp` would do nothing. This module keeps every role session the simulator hands
out in a world's account (instance credentials, sessions from AssumeRole) with its issue
time and expiration, and judges requests signed with one as IAM does
(`labguide.sim.iam_revocation.policy`): an expired session gets ExpiredToken, whatever
the policies say; then an explicit deny wins, then an allow (of the identity policies,
the permissions boundary and the session policy alike), else an implicit deny.

Temporary credentials cannot be revoked or shortened: a session stays valid until its
own expiration, through stops, starts and refreshes of the instance that held it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html).

Sessions live in the account's moto state (`labguide.sim.state.AccountState`), so
moto's reset and `release_account` clear them with the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from labguide.sim.clock import has_world, to_utc
from labguide.sim.iam_revocation.conditions import parse_date
from labguide.sim.iam_revocation.policy import (
    BOUNDARY,
    IDENTITY,
    SESSION,
    PolicySet,
    Verdict,
    denial_message,
    evaluate_policies,
)


@dataclass
class RoleSession:
    """One set of temporary credentials of a role, as STS issued it."""

    access_key_id: str
    account_id: str
    role_name: str
    role_arn: str
    session_name: str
    issued_at: datetime  # whole seconds, UTC: what aws:TokenIssueTime holds
    expires_at: datetime
    session_policies: tuple[str, ...] = ()  # the Policy passed to AssumeRole, if any
    session_policy_arns: tuple[str, ...] = ()  # its PolicyArns: managed session policies
    source_instance_arn: str | None = None  # instance credentials: ec2:SourceInstanceARN
    mfa: bool = False

    @property
    def partition(self) -> str:
        return self.role_arn.split(":")[1]

    @property
    def arn(self) -> str:
        return (
            f"arn:{self.partition}:sts::{self.account_id}:assumed-role/"
            f"{self.role_name}/{self.session_name}"
        )


class SessionRegistry:
    """Role sessions by access key id, kept in each account's moto state."""

    def register(self, session: RoleSession) -> None:
        from labguide.sim.state import account_state

        state = account_state(session.account_id, session.partition)
        with state.lock:
            state.role_sessions[session.access_key_id] = session

    def get(self, access_key_id: str, account_id: str | None = None) -> RoleSession | None:
        """The session of a key; the account is found as moto finds it when not given."""
        from labguide.sim.state import account_states

        if account_id is None:
            account_id = _account_of(access_key_id)
            if account_id is None:
                return None
        account = dict.get(account_states, account_id)
        if account is None:
            return None
        for state in list(dict.values(account)):
            found = state.role_sessions.get(access_key_id)
            if found is not None:
                return found
        return None


def _account_of(access_key_id: str) -> str | None:
    """The account holding the key, found as moto finds it (indexed by account_lookup)."""
    from moto.iam import models as iam_models

    account_id = iam_models.get_account_id_from(access_key_id)
    by_partition = dict.get(iam_models.iam_backends, account_id)
    for backend in list(dict.values(by_partition)) if by_partition is not None else ():
        if access_key_id in backend.access_keys:
            return account_id
    return None


sessions = SessionRegistry()


@dataclass(frozen=True)
class Decision:
    """IAM's verdict on one request: allowed, or refused with an AWS error code and message."""

    allowed: bool
    error_code: str | None = None  # "AccessDenied" or "ExpiredToken"
    explicit_deny: bool = False
    message: str = ""
    context: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


ALLOWED = Decision(allowed=True)

# IAM never denies GetCallerIdentity by policy: "No permissions are required to perform
# this operation" (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})
GLOBAL_REGION = "us-east-1"  # aws:RequestedRegion of IAM and other global endpoints


def _iso(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_context(session: RoleSession, now: datetime, *, source_ip: str | None = None,
                    region: str | None = None, role_id: str | None = None
                    ) -> dict[str, str]:
    """The global condition keys IAM puts in a role session's request context
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).

    aws:username is absent: IAM sets it only for IAM users. aws:SecureTransport is "true":
    the simulator stands for AWS's HTTPS endpoints, even when served over plain HTTP on
    loopback."""
    now = to_utc(now)
    context = {
        "aws:tokenissuetime": _iso(session.issued_at),
        "aws:currenttime": _iso(now),
        "aws:epochtime": str(int(now.timestamp())),
        "aws:principalarn": session.role_arn,
        "aws:principalaccount": session.account_id,
        "aws:principaltype": "AssumedRole",
        "aws:securetransport": "true",
        "aws:multifactorauthpresent": "true" if session.mfa else "false",
        "aws:viaawsservice": "false",
    }
    if role_id:
        context["aws:userid"] = f"{role_id}:{session.session_name}"
    if source_ip:
        context["aws:sourceip"] = source_ip
    if region:
        context["aws:requestedregion"] = region
    if session.source_instance_arn:
        context["ec2:sourceinstancearn"] = session.source_instance_arn
    return context


def evaluate(
    session: RoleSession,
    action: str,
    resource: str,
    now: datetime,
    policies: Iterable[str | dict[str, Any]],
    *,
    boundary: Iterable[str | dict[str, Any]] | None = None,
    context: dict[str, str] | None = None,
) -> Decision:
    """Judge `action` (e.g. "s3:GetObject") on `resource` for `session` at `now`.

    `policies` are the role's identity-based policy documents (inline and attached),
    `boundary` its permissions boundary's document (None: the role has none); the
    session's own policies come with it. `resource` "*" means "not known".
    """
    now = to_utc(now)
    if now >= session.expires_at:
        return _expired()
    if action.lower() in ALWAYS_ALLOWED:
        return ALLOWED
    if context is None:
        context = request_context(session, now)
    policy_sets = [PolicySet(IDENTITY, list(policies))]
    if boundary is not None:
        policy_sets.append(PolicySet(BOUNDARY, list(boundary)))
    if session.session_policies or session.session_policy_arns:
        documents = list(session.session_policies) + managed_documents(
            session.account_id, session.partition, session.session_policy_arns)
        policy_sets.append(PolicySet(SESSION, documents))
    verdict: Verdict = evaluate_policies(policy_sets, action, resource, context)
    if verdict.allowed:
        return ALLOWED
    return Decision(
        allowed=False,
        error_code="AccessDenied",
        explicit_deny=verdict.effect == "ExplicitDeny",
        message=denial_message(session.arn, action, resource, verdict),
        context=context,
    )


def _expired() -> Decision:
    return Decision(
        allowed=False,
        error_code="ExpiredToken",
        message="The security token included in the request is expired",
    )


def parse_policy_date(value: Any) -> datetime | None:
    """An IAM date condition value: ISO 8601 (with or without zone, "Z" allowed) or epoch."""
    return parse_date(value)


@dataclass(frozen=True)
class RolePolicies:
    """What IAM reads of a role to judge its sessions."""

    role_id: str
    documents: list[str]  # inline documents, then attached managed policies' default versions
    boundary: list[str] | None  # the permissions boundary's document; None: no boundary


def _default_document(policy: Any) -> str | None:
    version = next(
        (v for v in policy.versions if v.version_id == policy.default_version_id), None
    )
    return version.document if version is not None else None


def managed_documents(account_id: str, partition: str, arns: tuple[str, ...]) -> list[str]:
    """The default versions of managed policies, read when a request is judged (a new
    default version applies at once); a policy that is gone contributes nothing."""
    from moto.iam.models import iam_backends

    policies = iam_backends[account_id][partition].managed_policies
    found = (_default_document(policies[arn]) for arn in arns if arn in policies)
    return [document for document in found if document is not None]


def role_policies(account_id: str, role_arn: str) -> RolePolicies | None:
    """The role's policies from moto's IAM backend of the role's partition; None when the
    role no longer exists."""
    from moto.iam.models import iam_backends

    partition = role_arn.split(":")[1]
    backend = iam_backends[account_id][partition]
    role_name = role_arn.rsplit("/", 1)[-1]
    role = next((r for r in list(backend.roles.values())
                 if r.arn == role_arn or r.name == role_name), None)
    if role is None:
        return None
    documents = list(role.policies.values())
    for policy in list(role.managed_policies.values()):
        document = _default_document(policy)
        if document is not None:
            documents.append(document)
    boundary: list[str] | None = None
    boundary_arn = getattr(role, "permissions_boundary_arn", None)
    if boundary_arn:
        policy = backend.managed_policies.get(boundary_arn)
        document = _default_document(policy) if policy is not None else None
        boundary = [document] if document is not None else []  # a missing one allows nothing
    return RolePolicies(role.id, documents, boundary)


def role_policy_documents(account_id: str, role_name: str) -> list[str] | None:
    """The role's identity-based documents (inline, then attached); None when it is gone."""
    found = role_policies(account_id, f"arn:aws:iam::{account_id}:role/{role_name}")
    return found.documents if found is not None else None


def judge(access_key_id: str, action: str, resource: str, now: datetime, *,
          source_ip: str | None = None, region: str | None = None,
          account_id: str | None = None) -> Decision | None:
    """IAM's verdict for a request signed with `access_key_id` at `now`, or None when the
    key is not a role session this simulator issued in a world's account (moto then
    decides as usual).

    `source_ip` is the caller's address (aws:SourceIp), `region` the region the request
    is sent to (aws:RequestedRegion; "us-east-1" for IAM). Pass both whenever they are
    known: a policy conditioned on a key the request lacks is judged as IAM judges it."""
    session = sessions.get(access_key_id, account_id)
    if session is None or not has_world(session.account_id):
        return None
    found = role_policies(session.account_id, session.role_arn)
    if to_utc(now) >= session.expires_at:
        return _expired()
    if found is None:
        return Decision(
            allowed=False,
            error_code="AccessDenied",
            message=f"User: {session.arn} is not authorized to perform: {action} "
            f"on resource: {resource} because no identity-based policy allows the "
            f"{action} action",
        )
    context = request_context(session, now, source_ip=source_ip, region=region,
                              role_id=found.role_id)
    return evaluate(session, action, resource, now, found.documents, boundary=found.boundary,
                    context=context)


def register_assumed_role(assumed: Any, duration_seconds: int,
                          session_policy: str | None = None,
                          policy_arns: tuple[str, ...] = ()) -> RoleSession | None:
    """Record a session moto's STS just issued (AssumeRole) in a world's account: issued
    now on the world's clock, valid for its duration, limited by its session policies
    (the inline Policy and the managed PolicyArns).
    Sessions in other accounts are left to moto (None)."""
    from labguide.sim.clock import clock_for

    if not has_world(assumed.account_id):
        return None
    issued_at = clock_for(assumed.account_id).now()
    expires_at = issued_at + timedelta(seconds=duration_seconds)
    assumed.expiration = expires_at.replace(tzinfo=None)  # moto keeps naive UTC
    session = RoleSession(
        access_key_id=assumed.access_key_id,
        account_id=assumed.account_id,
        role_name=assumed.role_arn.rsplit("/", 1)[-1],
        role_arn=assumed.role_arn,
        session_name=assumed.session_name,
        issued_at=issued_at,
        expires_at=expires_at,
        session_policies=(session_policy,) if session_policy else (),
        session_policy_arns=tuple(policy_arns),
    )
    sessions.register(session)
    return session
