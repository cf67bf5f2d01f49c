"""EC2 start semantics moto lacks: a start (from stopped) sets a new LaunchTime and lets
listeners react (the instance gets new role credentials). A reboot changes neither.

moto's `Instance.start()` only flips the state; `Instance.reboot()` is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from labguide.sim.clock import clock_for

StartListener = Callable[[Any, datetime], None]
_start_listeners: list[StartListener] = []


def on_instance_started(listener: StartListener) -> None:
    """Call `listener(instance, started_at)` after every real start (stopped -> running)."""
    if listener not in _start_listeners:
        _start_listeners.append(listener)


def started(instance: Any, previous_state_name: str) -> None:
    """Apply start semantics after moto's own start; a start of a running instance is a no-op
    (EC2 answers it with running -> running and changes nothing)."""
    if previous_state_name == "running":
        return
    now = clock_for(instance.ec2_backend.account_id).now()
    instance.launch_time = now.replace(tzinfo=None)  # moto keeps naive UTC datetimes
    for listener in list(_start_listeners):
        listener(instance, now)
