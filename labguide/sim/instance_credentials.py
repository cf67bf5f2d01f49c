"""Credentials an EC2 instance gets from its instance profile's role (what IMDS serves).

Each issue is a real moto STS session (an `ASIA…` key held by the account's IAM backend,
so requests signed with it route to that account, and an AssumedRole in the account's
STS backend, so GetCallerIdentity answers with `assumed-role/ROLE/INSTANCE-ID`), plus a
RoleSession in the revocation registry carrying its issue time. Keys derive from the
account, instance, moment and sequence number, so the same world gives the same keys.

A stop and start issues new credentials at once; a reboot does not; the normal refresh
issues a new set at least five minutes before the held one expires. No new set retires
an old one: temporary credentials stay valid until their own expiration ("We make new
credentials available at least five minutes before the expiration of the old
credentials", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
and https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html),
so a stolen copy works until then unless a policy denies it.

The credentials each instance was given are kept in the region's moto state
(`labguide.sim.state.RegionState.instance_credentials`).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from labguide.sim.clock import to_utc
from labguide.sim.iam_revocation.models import RoleSession, sessions
from labguide.sim.state import peek_region_state, region_state

LIFETIME = timedelta(hours=6)
REFRESH_BEFORE_EXPIRY = timedelta(minutes=5)
_TOKEN_PREFIX = "IQoJb3JpZ2luX2VjE"
_ALNUM = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "+/"


@dataclass(frozen=True)
class InstanceCredentials:
    """One set of instance credentials, as IMDS shows it."""

    instance_id: str
    session: RoleSession
    secret_access_key: str
    session_token: str

    @property
    def access_key_id(self) -> str:
        return self.session.access_key_id

    @property
    def last_updated(self) -> datetime:
        return self.session.issued_at

    @property
    def expiration(self) -> datetime:
        return self.session.expires_at

    def imds_document(self) -> dict[str, str]:
        """The JSON IMDS returns at iam/security-credentials/ROLE, in IMDS's key order."""
        return {
            "Code": "Success",
            "LastUpdated": _iso(self.last_updated),
            "Type": "AWS-HMAC",
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "Token": self.session_token,
            "Expiration": _iso(self.expiration),
        }


def random_key_id(rng: random.Random, prefix: str) -> str:
    """An access key id as AWS shapes them: a 4-letter prefix (AKIA, ASIA) and 16 [A-Z0-9]."""
    return prefix + "".join(rng.choices(_ALNUM, k=16))


def random_secret(rng: random.Random) -> str:
    return "".join(rng.choices(_SECRET_ALPHABET, k=40))


def _iso(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def history(account_id: str, instance_id: str,
            region: str | None = None) -> list[InstanceCredentials]:
    """Every set the instance was given, oldest first (empty when it has none)."""
    from labguide.sim.state import region_states

    if region is not None:
        state = peek_region_state(account_id, region)
        return list(state.instance_credentials.get(instance_id, ())) if state else []
    account = dict.get(region_states, account_id)
    for state in list(dict.values(account)) if account is not None else ():
        issued = state.instance_credentials.get(instance_id)
        if issued:
            return list(issued)
    return []


def current(account_id: str, instance_id: str,
            region: str | None = None) -> InstanceCredentials | None:
    """The credentials the instance holds now (the newest issued), if it has a role."""
    issued = history(account_id, instance_id, region)
    return issued[-1] if issued else None


def instance_role_arn(account_id: str, region: str, instance_id: str) -> str | None:
    """The role of the instance profile associated with the instance, from moto's EC2."""
    from moto.ec2.models import ec2_backends

    association = ec2_backends[account_id][region].iam_instance_profile_associations.get(
        instance_id
    )
    if association is None or not association.iam_instance_profile.roles:
        return None
    return association.iam_instance_profile.roles[0].arn


def issue(
    account_id: str, region: str, instance_id: str, role_arn: str, at: datetime
) -> InstanceCredentials:
    """Issue a new session of `role_arn` named after the instance, issued at `at`."""
    from moto.iam.models import AccessKey, iam_backends
    from moto.sts.models import AssumedRole, sts_backends

    issued_at = to_utc(at).replace(microsecond=0)
    state = region_state(account_id, region)
    with state.lock:
        held = state.instance_credentials.setdefault(instance_id, [])
        sequence = len(held)
        rng = random.Random(f"{account_id}|{instance_id}|{role_arn}|{issued_at}|{sequence}")
        access_key_id = random_key_id(rng, "ASIA")
        secret = random_secret(rng)
        token = _TOKEN_PREFIX + "".join(rng.choices(_TOKEN_ALPHABET, k=600))

        partition = role_arn.split(":")[1]
        iam_backend = iam_backends[account_id][partition]
        key = AccessKey(user_name=None, prefix="ASIA", account_id=account_id)
        key.access_key_id = access_key_id
        key.secret_access_key = secret
        key.create_date = issued_at.replace(tzinfo=None)
        key.role_arn = role_arn
        iam_backend.access_keys[access_key_id] = key

        assumed = AssumedRole(
            account_id=account_id,
            region_name=region,
            access_key=key,
            role_session_name=instance_id,
            role_arn=role_arn,
            policy=None,  # type: ignore[arg-type]
            duration=int(LIFETIME.total_seconds()),
            external_id=None,  # type: ignore[arg-type]
        )
        assumed.session_token = token
        assumed.expiration = (issued_at + LIFETIME).replace(tzinfo=None)
        sts_backends[account_id][partition].assumed_roles.append(assumed)

        session = RoleSession(
            access_key_id=access_key_id,
            account_id=account_id,
            role_name=role_arn.rsplit("/", 1)[-1],
            role_arn=role_arn,
            session_name=instance_id,
            issued_at=issued_at,
            expires_at=issued_at + LIFETIME,
            source_instance_arn=f"arn:{partition}:ec2:{region}:{account_id}:instance/{instance_id}",
        )
        sessions.register(session)
        credentials = InstanceCredentials(instance_id, session, secret, token)
        held.append(credentials)
        return credentials


def verify_moto_internals() -> str | None:
    """What `issue` relies on in moto's IAM and STS models; returns the first problem found."""
    import inspect

    from moto.iam.models import AccessKey, IAMBackend
    from moto.sts.models import AssumedRole, STSBackend

    wanted = ["self", "account_id", "region_name", "access_key", "role_session_name",
              "role_arn", "policy", "duration", "external_id"]
    if list(inspect.signature(AssumedRole.__init__).parameters) != wanted:
        return "moto.sts.models.AssumedRole() takes other arguments"
    source = inspect.getsource(AssumedRole.__init__)
    for attribute in ("self.session_token", "self.expiration", "self.access_key_id"):
        if attribute not in source:
            return f"AssumedRole no longer sets {attribute}"
    if "self.assumed_roles" not in inspect.getsource(STSBackend.__init__):
        return "STSBackend no longer keeps assumed_roles"
    if "self.access_keys" not in inspect.getsource(IAMBackend.__init__):
        return "IAMBackend no longer keeps access_keys"
    key_source = inspect.getsource(AccessKey.__init__)
    for attribute in ("self.access_key_id", "self.secret_access_key", "self.role_arn"):
        if attribute not in key_source:
            return f"iam AccessKey no longer sets {attribute}"
    return None


def on_instance_started(instance: Any, at: datetime) -> None:
    """EC2 start listener: a started instance gets new credentials at once. The set it
    held before stays valid until its own expiration, wherever a copy of it is."""
    account_id = instance.ec2_backend.account_id
    region = instance.ec2_backend.region_name
    role_arn = instance_role_arn(account_id, region, instance.id)
    if role_arn is None:
        return
    issue(account_id, region, instance.id, role_arn, at)


def refresh_if_due(account_id: str, region: str, instance_id: str, now: datetime) -> bool:
    """The normal refresh, on the world clock: a running instance gets a new set at least
    five minutes before the one it holds expires, and the old set stays valid until its own
    expiration. Applied lazily by whoever reads the instance's credentials (its metadata,
    its SSM agent, its application), each new set dated at the moment it was due, so an
    instance whose world jumped ahead (resumed days later, an old fixed epoch) holds the
    set it would hold had it run all along. Returns True when a new set was issued."""
    now = to_utc(now)
    held = current(account_id, instance_id, region)
    if held is None or now < held.expiration - REFRESH_BEFORE_EXPIRY:
        return False
    if not _running(account_id, region, instance_id):
        return False  # a stopped instance has no metadata service; a start issues anew
    state = region_state(account_id, region)
    with state.lock:
        held = current(account_id, instance_id, region)
        due = held.expiration - REFRESH_BEFORE_EXPIRY
        if now < due:
            return False  # another reader refreshed it meanwhile
        # Sets due in between were never read by anyone; only the latest one matters.
        period = LIFETIME - REFRESH_BEFORE_EXPIRY
        issue(account_id, region, instance_id, held.session.role_arn,
              due + ((now - due) // period) * period)
    return True


def held_at(account_id: str, region: str, instance_id: str,
            now: datetime) -> InstanceCredentials | None:
    """The set the instance holds at `now`, refreshed first if one was due."""
    refresh_if_due(account_id, region, instance_id, now)
    return current(account_id, instance_id, region)


def _running(account_id: str, region: str, instance_id: str) -> bool:
    from moto.ec2.models import ec2_backends

    try:
        instance = ec2_backends[account_id][region].get_instance(instance_id)
    except Exception:  # noqa: BLE001 - moto's InvalidInstanceID: gone, so not running
        return False
    return instance.state == "running"


def on_profile_associated(ec2_backend: Any, association: Any) -> None:
    """EC2 association listener (AssociateIamInstanceProfile, ReplaceIam...Association): a
    running instance given a profile whose role differs from its current credentials'
    gets that role's credentials now; a stopped one gets them when it starts."""
    from labguide.sim.clock import clock_for, has_world

    instance = association.instance
    roles = association.iam_instance_profile.roles
    if not roles or instance.state != "running" or not has_world(ec2_backend.account_id):
        return
    account_id, region = ec2_backend.account_id, ec2_backend.region_name
    held = current(account_id, instance.id, region)
    if held is not None and held.session.role_arn == roles[0].arn:
        return
    issue(account_id, region, instance.id, roles[0].arn, clock_for(account_id).now())
