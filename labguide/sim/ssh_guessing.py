"""An SSH password-guessing actor: connections to an instance, judged by the VPC, then sshd.

Every round it tries its list of (user, password) guesses against port 22 of one
instance, one connection per guess, a second apart, from one address and a fresh
source port each time. Each connection is judged as AWS and the host would judge it:

1. the VPC (`vpc_paths.connection_in`: the subnet's network ACL in rule order, the
   instance's security groups, the ACL again for the reply): a dropped connection never
   reaches the instance, so it leaves no line in its logs and GuardDuty sees nothing
   getting through;
2. sshd, with the settings it runs with (the host's service model keeps sshd_config as
   it was at the last restart): its verdict and its log lines go to the auth log file.

Connections that get through are reported to GuardDuty (`inbound_finding_type`, e.g.
UnauthorizedAccess:EC2/SSHBruteForce, one finding whose count grows). Once a guess is
accepted, the logged-in attacker makes the instance connect back to its address
(`connect_back_port`), judged by the VPC outbound, and reported as
`outbound_finding_type` (e.g. UnauthorizedAccess:EC2/MaliciousIPCaller.Custom) when the
address is on a threat list. Nothing here knows an exercise: the world gives the plan.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from labguide.sim.attacker import AttackerCall
from labguide.sim.sshd import Attempt, ConfigError, Sshd, SshdSettings, UserAccount, parse_config
from labguide.sim.sshd.authlog import syslog_line

RECENT = 300
SERVICE = "ssh"  # the attacker pane's service column


@dataclass(frozen=True)
class Guess:
    user: str
    password: str

    def __repr__(self) -> str:
        return f"Guess({self.user!r}, password='****')"


@dataclass(frozen=True)
class GuessingPlan:
    """What the actor targets and uses, and what the detectors record of it."""

    account_id: str
    region: str
    instance_id: str
    source_ip: str
    guesses: tuple[Guess, ...]
    detector_id: str | None = None
    inbound_finding_type: str | None = None
    outbound_finding_type: str | None = None
    threat_list_name: str | None = None
    connect_back_port: int | None = None
    service: str = "sshd"
    config_path: str = "/etc/ssh/sshd_config"
    auth_log: str = "/var/log/secure"
    first_source_port: int = 40000
    spacing_seconds: int = 1


class Host(Protocol):
    """What the actor needs of the instance: its name, users, sshd's config, its log."""

    hostname: str

    def users(self) -> Mapping[str, UserAccount]: ...

    def running_config(self, service: str, path: str) -> str | None: ...

    def append(self, path: str, text: str, at: datetime | None = None) -> None: ...


class SshGuesser:
    """Runs the plan's rounds; keeps the latest attempts for the attacker pane."""

    def __init__(self, plan: GuessingPlan, host: Host):
        self.plan = plan
        self.host = host
        self._recent: deque[AttackerCall] = deque(maxlen=RECENT)
        self._lock = threading.Lock()
        self._port = plan.first_source_port
        self._settings: tuple[str, SshdSettings | None] | None = None
        self.sshd = Sshd(users={}, log=self._log)

    def recent_calls(self) -> list[AttackerCall]:
        with self._lock:
            return list(self._recent)

    def _log(self, at: datetime, program: str, pid: int | None, message: str) -> None:
        self.host.append(self.plan.auth_log,
                         syslog_line(at, self.host.hostname, program, pid, message) + "\n", at)

    def _running(self) -> SshdSettings | None:
        text = self.host.running_config(self.plan.service, self.plan.config_path)
        if text is None:
            return None
        if self._settings is None or self._settings[0] != text:
            try:
                settings: SshdSettings | None = parse_config(text, path=self.plan.config_path)
            except ConfigError:
                settings = None  # sshd refuses to run with a bad file
            self._settings = (text, settings)
        return self._settings[1]

    def _next_port(self) -> int:
        self._port = self._port + 1 if self._port < 60999 else self.plan.first_source_port
        return self._port

    def run_round(self, at: datetime) -> list[AttackerCall]:
        """Try every guess once, `spacing_seconds` apart, the last at `at` (a round never
        writes a log line later than the world's clock); returns the attempts."""
        last = len(self.plan.guesses) - 1
        spacing = self.plan.spacing_seconds
        made = [self.attempt(guess, at - timedelta(seconds=(last - i) * spacing))
                for i, guess in enumerate(self.plan.guesses)]
        with self._lock:
            self._recent.extend(made)
        return made

    def attempt(self, guess: Guess, at: datetime) -> AttackerCall:
        from labguide.sim.vpc_paths import connection_in

        plan = self.plan
        port = self._next_port()
        label = f"{guess.user}@{plan.instance_id} port 22 (password)"
        path = connection_in(plan.account_id, plan.region, plan.instance_id,
                             remote_ip=plan.source_ip, remote_port=port, local_port=22)
        if not path.reached:
            code = "blocked (NACL)" if path.blocked_by == "network-acl" else "blocked (SG)"
            return AttackerCall(at, SERVICE, f"{label}: {path.detail}", False, code)
        self._report(plan.inbound_finding_type, "INBOUND", 22, port, at)
        self.sshd.users = dict(self.host.users())
        outcome = self.sshd.connect(self._running(), Attempt(at, plan.source_ip, port,
                                                             guess.user, guess.password))
        if outcome.accepted:
            self._connect_back(at)
            return AttackerCall(at, SERVICE, label, True, None)
        code = {"failed-password": "wrong password", "no-password-method": "no password auth",
                "not-running": "refused"}[outcome.reason]
        return AttackerCall(at, SERVICE, label, False, code)

    def _connect_back(self, at: datetime) -> None:
        from labguide.sim.vpc_paths import connection_out

        plan = self.plan
        if plan.connect_back_port is None:
            return
        local = self._next_port()
        path = connection_out(plan.account_id, plan.region, plan.instance_id,
                              remote_ip=plan.source_ip, remote_port=plan.connect_back_port,
                              local_port=local)
        if not path.reached:
            return
        threat_list = plan.threat_list_name
        if threat_list is None and plan.detector_id:
            from labguide.sim.guardduty.threat_lists import listing_threat_list

            threat_list = listing_threat_list(plan.account_id, plan.region, plan.detector_id,
                                              plan.source_ip)
        if threat_list is not None:  # GuardDuty reports only addresses on an active list
            self._report(plan.outbound_finding_type, "OUTBOUND", local,
                         plan.connect_back_port, at, threat_list=threat_list)

    def _report(self, finding_type: str | None, direction: str, local_port: int,
                remote_port: int, at: datetime, threat_list: str | None = None) -> None:
        plan = self.plan
        if not finding_type or not plan.detector_id:
            return
        from labguide.sim.guardduty.models import guardduty_backends
        from labguide.sim.guardduty.network import instance_details, record_connection
        from labguide.sim.vpc_paths import instance_network

        details = instance_details(plan.account_id, plan.region, plan.instance_id)
        record_connection(
            guardduty_backends[plan.account_id][plan.region], plan.detector_id,
            finding_type=finding_type, instance_details=details, direction=direction,
            local_ip=instance_network(plan.account_id, plan.region, plan.instance_id).private_ip,
            local_port=local_port, remote_ip=plan.source_ip, remote_port=remote_port, at=at,
            threat_list_name=threat_list)
