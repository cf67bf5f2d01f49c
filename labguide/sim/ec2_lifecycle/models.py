"""EC2 instance states on the world clock, as EC2 moves them.

moto flips an instance to `running` or `stopped` at once. EC2 does not: a stop goes
`stopping` then `stopped`, a start goes `pending` then `running`, each over some seconds,
and after a start the status checks report `initializing` for a while before `ok`
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html,
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html).
Starting a running instance changes nothing and answers running -> running; a stopping
instance cannot be started, nor a pending one stopped (IncorrectInstanceState).

A transition is due at a moment on the account's clock and is applied lazily, whenever
the instance's state is read (moto reads `Instance._state` everywhere, so that attribute
settles the instance first): tests move a frozen clock, the embedded world's clock runs
in real time. A start sets a new LaunchTime; when the instance reaches `running` its
listeners run (new instance credentials) and its host boots (services re-read their
files). A reboot keeps LaunchTime and credentials but also boots the host.

An auto-assigned public IPv4 address ("Auto-assign public IP" of the subnet, not an Elastic
IP) is released when the instance is stopped, and a start gives it a new one; the private
address stays (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses).
The new address is drawn from the instance id and the start's moment, not from moto's
shared generator (which a class server's other threads draw from meanwhile).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.ec2.exceptions import EC2ClientError

from labguide.sim.clock import clock_for, has_world, to_utc
from labguide.sim.public_ips import random_public_ip

PENDING_SECONDS = 5  # start: pending -> running
STOPPING_SECONDS = 10  # stop: stopping -> stopped
STATUS_INITIALIZING_SECONDS = 60  # after running: status checks initializing -> ok

StartListener = Callable[[Any, datetime], None]
_start_listeners: list[StartListener] = []


def on_instance_started(listener: StartListener) -> None:
    """Call `listener(instance, running_at)` whenever an instance reaches running after a
    start from stopped."""
    if listener not in _start_listeners:
        _start_listeners.append(listener)


class IncorrectInstanceState(EC2ClientError):
    def __init__(self, instance_id: str, verb: str):
        super().__init__("IncorrectInstanceState",
                         f"The instance '{instance_id}' is not in a state from which it can "
                         f"be {verb}.")


@dataclass
class Transition:
    name: str
    code: int
    due: datetime
    then: Callable[[Any, datetime], None] | None = None


STATE = "_labguide_state"
moto_status: dict[str, Any] = {}  # moto's own status properties, for accounts without a world
TRANSITION = "_labguide_transition"
# On a network interface: its public address is EC2's. Not moto's own
# `public_ip_auto_assign`, whose stop releases the address at once (while still stopping)
# and whose start draws a 54.214.x.x from the shared generator.
AUTO_PUBLIC_IP = "labguide_auto_public_ip"


def mark_auto_assigned(nic: Any) -> None:
    """The interface's public address was auto-assigned at launch: a stop releases it."""
    setattr(nic, AUTO_PUBLIC_IP, True)


def _auto_assigned_nics(instance: Any) -> list[Any]:
    return [nic for nic in instance.nics.values() if getattr(nic, AUTO_PUBLIC_IP, False)]


def _release_public_ips(instance: Any, at: datetime) -> None:
    for nic in _auto_assigned_nics(instance):
        nic.public_ip = None


def _assign_public_ips(instance: Any, at: datetime) -> None:
    for number, nic in enumerate(_auto_assigned_nics(instance)):
        if nic.public_ip is None:
            nic.public_ip = random_public_ip(
                random.Random(f"{instance.id}/{number}/{to_utc(at).isoformat()}"))


def in_world(instance: Any) -> bool:
    """Only accounts holding a simulated world get EC2's timing; every other account
    (moto's own tests, a plain mock_aws) keeps moto's instant states."""
    return has_world(instance.ec2_backend.account_id)


def _now(instance: Any) -> datetime:
    return clock_for(instance.ec2_backend.account_id).now()


def settle(instance: Any) -> None:
    """Apply the instance's pending transition if its moment has come."""
    transition = instance.__dict__.get(TRANSITION)
    if transition is None or _now(instance) < transition.due:
        return
    instance.__dict__[TRANSITION] = None
    state = instance.__dict__[STATE]
    state.name, state.code = transition.name, transition.code
    if transition.then is not None:
        transition.then(instance, transition.due)
    _state_changed(instance, transition.due)


def watch_state(account_id: str, region: str, instance_id: str,
                watcher: Callable[[datetime], Any]) -> None:
    """Call `watcher(at)` whenever the instance's state changes (stopping, stopped,
    pending, running), at the moment on the world clock it changed: what depends on the
    state (the application's health) follows it instead of lagging to its next round."""
    from labguide.sim.state import region_state

    region_state(account_id, region).state_watchers.setdefault(instance_id, []).append(watcher)


def _state_changed(instance: Any, at: datetime) -> None:
    from labguide.sim.state import peek_region_state

    backend = instance.ec2_backend
    held = peek_region_state(backend.account_id, backend.region_name)
    for watcher in list(held.state_watchers.get(instance.id, ())) if held is not None else ():
        watcher(at)


def _get_state(instance: Any) -> Any:
    if instance.__dict__.get(TRANSITION) is not None:
        settle(instance)
    return instance.__dict__[STATE]


def _set_state(instance: Any, value: Any) -> None:
    instance.__dict__[STATE] = value


state_property = property(_get_state, _set_state)


def _reached_running(instance: Any, at: datetime) -> None:
    instance.labguide_running_since = to_utc(at)
    for listener in list(_start_listeners):
        listener(instance, at)
    _boot_host(instance, at)


def _boot_host(instance: Any, at: datetime) -> None:
    from labguide.sim.hosts.models import known_host

    backend = instance.ec2_backend
    host = known_host(backend.account_id, backend.region_name, instance.id)
    if host is not None:
        host.boot(at)


def start(instance: Any, original: Callable[[Any], Any]) -> Any:
    """Instance.start: stopped -> pending (-> running); running/pending: unchanged."""
    import copy

    if not in_world(instance):
        return original(instance)
    current = instance._state
    if current.name in ("running", "pending"):
        return copy.copy(current)
    if current.name not in ("stopped",):
        raise IncorrectInstanceState(instance.id, "started")
    previous = original(instance)
    now = _now(instance)
    instance.__dict__[STATE].name, instance.__dict__[STATE].code = "pending", 0
    instance.launch_time = now.replace(tzinfo=None)  # moto keeps naive UTC datetimes
    _assign_public_ips(instance, now)
    instance.__dict__[TRANSITION] = Transition("running", 16,
                                               now + timedelta(seconds=PENDING_SECONDS),
                                               _reached_running)
    _state_changed(instance, now)
    return previous


def stop(instance: Any, original: Callable[[Any], Any]) -> Any:
    """Instance.stop: running -> stopping (-> stopped); stopping/stopped: unchanged."""
    import copy

    if not in_world(instance):
        return original(instance)
    current = instance._state
    if current.name in ("stopped", "stopping"):
        return copy.copy(current)
    if current.name != "running":
        raise IncorrectInstanceState(instance.id, "stopped")
    previous = original(instance)
    now = _now(instance)
    instance.__dict__[STATE].name, instance.__dict__[STATE].code = "stopping", 64
    instance.__dict__[TRANSITION] = Transition("stopped", 80,
                                               now + timedelta(seconds=STOPPING_SECONDS),
                                               _release_public_ips)
    _state_changed(instance, now)
    return previous


def reboot(instance: Any, original: Callable[[Any], Any]) -> Any:
    """Instance.reboot: the state stays running; the operating system (the host) restarts."""
    if in_world(instance) and instance._state.name != "running":
        raise IncorrectInstanceState(instance.id, "rebooted")
    answer = original(instance)
    _boot_host(instance, _now(instance))
    return answer


def status_check(instance: Any) -> dict[str, Any]:
    """InstanceStatus / SystemStatus: not-applicable unless running; `initializing` for
    the first STATUS_INITIALIZING_SECONDS after reaching running, then `ok`."""
    if not in_world(instance):
        return moto_status["instance_status"].fget(instance)
    if instance._state.name != "running":
        return {"Status": "not-applicable"}
    since = getattr(instance, "labguide_running_since", None)
    if since is not None and _now(instance) < since + timedelta(
            seconds=STATUS_INITIALIZING_SECONDS):
        return {"Details": [{"Name": "reachability", "Status": "initializing"}],
                "Status": "initializing"}
    return {"Details": [{"Name": "reachability", "Status": "passed"}], "Status": "ok"}


status_property = property(status_check)


def state_change(instance: Any, previous: Any) -> dict[str, Any]:
    """One entry of StartingInstances / StoppingInstances: the state now, the one before."""
    current = instance._state
    return {"InstanceId": instance.id,
            "CurrentState": {"Code": current.code, "Name": current.name},
            "PreviousState": {"Code": previous.code, "Name": previous.name}}


def first_zone(region: str) -> str | None:
    """The region's first availability zone in moto's zone table (AWS picks one for a
    subnet created without a zone; moto always picked us-east-1a)."""
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    zones = RegionsAndZonesBackend.zones.get(region) or []
    return sorted(z.name for z in zones)[0] if zones else None
