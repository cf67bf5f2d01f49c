"""What a running sshd does with each connection, given the settings it runs with.

Its settings are those of sshd_config when it last started (the host's service model
keeps that text); editing the file changes nothing until a restart, as on a real
host. Each connection is one login attempt (a
user name and a password, as a brute-force tool makes them); the daemon decides it as
OpenSSH 8.7 with UsePAM does and logs what OpenSSH logs (auth.c, auth2.c, sshd.c):

- a name that does not exist, or is not allowed by AllowUsers/DenyUsers, is an
  "invalid user": `Invalid user NAME from A port P`, and a guess for it fails as
  `Failed password for invalid user NAME from A port P ssh2`;
- a wrong password: `Failed password for NAME from A port P ssh2`;
- the right one: `Accepted password for NAME from A port P ssh2`, then PAM opens the
  session;
- root's password is refused unless PermitRootLogin is `yes` (sshd reports it as a
  failed password);
- with PasswordAuthentication and KbdInteractiveAuthentication off, the server never
  offers a method that takes a password: the client gives up with
  `Permission denied (publickey,gssapi-keyex,gssapi-with-mic).` and sshd logs
  `Connection closed by authenticating user NAME A port P [preauth]` (or
  `... by invalid user NAME ...`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from labguide.sim.sshd.config import SshdSettings

LogSink = Callable[[datetime, str, int | None, str], None]  # (at, program, pid, message)


@dataclass(frozen=True)
class UserAccount:
    """A local account: its uid and password (None: no password set, as ec2-user)."""

    name: str
    uid: int
    password: str | None = None

    def __repr__(self) -> str:
        return f"UserAccount({self.name!r}, uid={self.uid})"


@dataclass(frozen=True)
class Attempt:
    """One connection that tries one password for one user name."""

    at: datetime
    source_ip: str
    source_port: int
    user: str
    password: str

    def __repr__(self) -> str:  # a password guess is not for logs
        return f"Attempt({self.user!r} from {self.source_ip}:{self.source_port})"


@dataclass(frozen=True)
class AttemptOutcome:
    accepted: bool
    reason: str  # "accepted", "failed-password", "no-password-method", "not-running"
    methods: tuple[str, ...]  # what the server offered
    client_message: str  # what the ssh client prints when it fails ("" when accepted)


class Sshd:
    """One instance's sshd as a judge of connections: its users, its log, its child pids.

    Whether it runs and with which settings is the host's service model's business
    (the file as it was at the last restart); `connect` takes those settings.
    """

    def __init__(self, *, users: Mapping[str, UserAccount], log: LogSink,
                 first_pid: int = 2100):
        self.users = dict(users)
        self._log = log
        self._next_pid = first_pid

    def _pid(self) -> int:
        self._next_pid += 1 + self._next_pid % 7  # children's pids climb unevenly
        return self._next_pid

    @staticmethod
    def methods(s: SshdSettings, user: str | None = None,
                address: str | None = None) -> tuple[str, ...]:
        """The authentication methods a server with settings `s` offers to a connection."""
        offered = []
        if s.yes("pubkeyauthentication", user=user, address=address):
            offered.append("publickey")
        if s.yes("gssapiauthentication", user=user, address=address):
            offered += ["gssapi-keyex", "gssapi-with-mic"]
        if s.yes("passwordauthentication", user=user, address=address):
            offered.append("password")
        if (s.yes("kbdinteractiveauthentication", user=user, address=address)
                and s.yes("usepam", user=user, address=address)):
            offered.append("keyboard-interactive")
        return tuple(offered)

    @staticmethod
    def _allowed(s: SshdSettings, user: str, address: str) -> bool:
        for keyword, listed in (("denyusers", True), ("allowusers", False)):
            value = s.value(keyword, user=user, address=address)
            if not value:
                continue
            hit = any(_user_pattern(p, user, address) for p in value.split())
            if hit == listed:
                return False
        return True

    def connect(self, settings: SshdSettings | None, attempt: Attempt) -> AttemptOutcome:
        """Judge one connection's password attempt and log it; the network let it in.

        `settings` are the running server's (None: sshd is not running, nothing listens).
        """
        if settings is None:
            return AttemptOutcome(False, "not-running", (),
                                  "ssh: connect to host port 22: Connection refused")
        user, ip, port, at = attempt.user, attempt.source_ip, attempt.source_port, attempt.at
        pid = self._pid()
        account = self.users.get(user)
        valid = account is not None and self._allowed(settings, user, ip)
        if account is not None and not valid:
            self._log(at, "sshd", pid, f"User {user} from {ip} not allowed because "
                                       f"{_refusal(settings, user, ip)}")
        if account is None:
            self._log(at, "sshd", pid, f"Invalid user {user} from {ip} port {port}")
        offered = self.methods(settings, user, ip)
        who = f"authenticating user {user}" if valid else f"invalid user {user}"
        denied = f"Permission denied ({','.join(offered)})."
        method = ("password" if "password" in offered else
                  "keyboard-interactive" if "keyboard-interactive" in offered else None)
        if method is None:
            self._log(at, "sshd", pid, f"Connection closed by {who} {ip} port {port} [preauth]")
            return AttemptOutcome(False, "no-password-method", offered, denied)
        logged = "password" if method == "password" else "keyboard-interactive/pam"
        right = (valid and account is not None and account.password is not None
                 and attempt.password == account.password
                 and (user != "root" or settings.value(
                     "permitrootlogin", user=user, address=ip).lower() == "yes"))
        if right:
            assert account is not None
            self._log(at, "sshd", pid, f"Accepted {logged} for {user} from {ip} port {port} ssh2")
            self._log(at, "sshd", pid, f"pam_unix(sshd:session): session opened for user "
                                       f"{user}(uid={account.uid}) by (uid=0)")
            return AttemptOutcome(True, "accepted", offered, "")
        if account is None:
            self._log(at, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown")
        self._log(at, "sshd", pid, "pam_unix(sshd:auth): authentication failure; logname= "
                                   f"uid=0 euid=0 tty=ssh ruser= rhost={ip}"
                                   + (f"  user={user}" if valid else ""))
        invalid = "" if valid else "invalid user "
        self._log(at, "sshd", pid,
                  f"Failed {logged} for {invalid}{user} from {ip} port {port} ssh2")
        self._log(at, "sshd", pid, f"Connection closed by {who} {ip} port {port} [preauth]")
        return AttemptOutcome(False, "failed-password", offered, denied)

    def probe(self, settings: SshdSettings | None, *, at: datetime, user: str,
              source_ip: str, source_port: int, host: str) -> tuple[str, int]:
        """`ssh -o BatchMode=yes USER@HOST true` with no key: the client's stderr and status.

        BatchMode never prompts, so the client tries nothing it could not do alone and
        prints the methods the running server offered: how a host shows whether the
        sshd that is running (not the file on disk) still takes passwords.
        """
        if settings is None:
            return f"ssh: connect to host {host} port 22: Connection refused\n", 255
        account = self.users.get(user)
        valid = account is not None and self._allowed(settings, user, source_ip)
        pid = self._pid()
        if account is None:
            self._log(at, "sshd", pid, f"Invalid user {user} from {source_ip} port {source_port}")
        who = f"authenticating user {user}" if valid else f"invalid user {user}"
        self._log(at, "sshd", pid,
                  f"Connection closed by {who} {source_ip} port {source_port} [preauth]")
        offered = ",".join(self.methods(settings, user, source_ip))
        return f"{user}@{host}: Permission denied ({offered}).\n", 255


def _refusal(s: SshdSettings, user: str, ip: str) -> str:
    deny = s.value("denyusers", user=user, address=ip)
    if deny and any(_user_pattern(p, user, ip) for p in deny.split()):
        return "listed in DenyUsers"
    return "not listed in AllowUsers"


def _user_pattern(pattern: str, user: str, address: str) -> bool:
    """AllowUsers/DenyUsers entries: USER or USER@HOST, shell-style wildcards."""
    name, _, host = pattern.partition("@")
    if not fnmatch.fnmatchcase(user, name):
        return False
    return not host or fnmatch.fnmatchcase(address, host)
