"""`sshd` and `ssh` in the instance shell, over the instance host's files and services.

- `sshd -T [-f FILE]` prints the configuration sshd *would* run with, read from the file
  on disk now (not the running server's), keywords in lower case; `sshd -t` only checks
  it (silent when valid). An invalid file prints sshd's errors and exits 255.
- `ssh [-o Key=Value]... [-p 22] [-l USER] [USER@]HOST [command]`: only this host is
  reachable (127.0.0.1, localhost, its private address or name); with no key and
  `BatchMode=yes` the client cannot authenticate and prints the methods the RUNNING sshd
  offers ("Permission denied (publickey,...,password)."), which is how an administrator
  sees whether a restart applied `PasswordAuthentication no`. Without BatchMode there
  is no terminal to ask for a password in Run Command, so it fails the same way.
Each function has the shell's command signature `(shell, args, stdin) -> (out, err, rc)`.
"""

from __future__ import annotations

import posixpath
from typing import Any

from labguide.sim.sshd.config import ConfigError, parse_config
from labguide.sim.sshd.daemon import Sshd, UserAccount

Result = tuple[str, str, int]
CONFIG = "/etc/ssh/sshd_config"
AUTH_LOG = "/var/log/secure"
SSHD_USAGE = ("usage: sshd [-46DdeiqTt] [-C connection_spec] [-c host_cert_file]\n"
              "            [-E log_file] [-f config_file] [-g login_grace_time]\n"
              "            [-h host_key_file] [-o option] [-p port] [-u len]\n")
SSH_USAGE = ("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-b bind_address] [-c cipher_spec]\n"
             "           [-i identity_file] [-l login_name] [-o option] [-p port]\n"
             "           destination [command]\n")


def _include(host: Any):  # type: ignore[no-untyped-def]
    def resolve(pattern: str) -> list[tuple[str, str]]:
        import fnmatch

        folder = posixpath.dirname(pattern) or "/"
        names = sorted(n for n in host.listdir(folder)
                       if fnmatch.fnmatchcase(n, posixpath.basename(pattern)))
        return [(posixpath.join(folder, n), host.read(posixpath.join(folder, n)))
                for n in names if host.is_file(posixpath.join(folder, n))]

    return resolve


def sshd_command(shell: Any, args: list[str], stdin: str) -> Result:
    """sshd -T | -t [-f FILE]."""
    path, mode, index = CONFIG, None, 0
    while index < len(args):
        arg = args[index]
        if arg in ("-T", "-t"):
            mode = arg
        elif arg == "-f" and index + 1 < len(args):
            index += 1
            path = args[index]
        else:
            return "", SSHD_USAGE, 1
        index += 1
    if mode is None:
        return "", "sshd re-exec requires execution with an absolute path\n", 1
    host = shell.host
    if host is None or not host.is_file(path):
        return "", f"{path}: No such file or directory\n", 255
    try:
        settings = parse_config(host.read(path), path=path, include=_include(host))
    except ConfigError as error:
        lines = [*error.lines, f"{path}: terminating, {len(error.lines)} bad configuration "
                               "options"]
        return "", "\n".join(lines) + "\n", 255
    return (settings.dump() if mode == "-T" else ""), "", 0


def _users(host: Any) -> dict[str, UserAccount]:
    return {name: UserAccount(name, int(info.get("uid", 0)), info.get("password"))
            for name, info in (host.users or {}).items()}


def ssh_command(shell: Any, args: list[str], stdin: str) -> Result:
    """ssh with -o/-p/-l/-i/-q/-v options to this host; see the module docstring."""
    options: dict[str, str] = {}
    user, destination, index = None, None, 0
    while index < len(args):
        arg = args[index]
        if arg in ("-o", "-p", "-l", "-i", "-F") and index + 1 < len(args):
            value = args[index + 1]
            if arg == "-o":
                key, _, val = value.replace("=", " ", 1).partition(" ")
                options[key.lower()] = val.strip()
            elif arg == "-l":
                user = value
            elif arg == "-p" and value != "22":
                return "", f"ssh: connect to host port {value}: Connection refused\n", 255
            index += 2
            continue
        if arg.startswith("-") and destination is None:
            index += 1
            continue
        if destination is None:
            destination = arg
        index += 1
        if destination is not None:
            break  # the rest is the remote command
    if destination is None:
        return "", SSH_USAGE, 255
    if "@" in destination:
        user, _, destination = destination.rpartition("@")
    user = user or "root"
    host = shell.host
    local = {"127.0.0.1", "localhost", "::1"}
    if host is not None:
        local |= {host.hostname, host.hostname.split(".")[0]}
        local |= {getattr(shell, "private_ip", None) or ""} - {""}
    if host is None or destination not in local:
        timeout = options.get("connecttimeout", "")
        return "", (f"ssh: connect to host {destination} port 22: Connection timed out\n"
                    if timeout else f"ssh: Could not resolve hostname {destination}: "
                    "Name or service not known\n"), 255
    if options.get("stricthostkeychecking", "ask").lower() not in ("no", "off", "accept-new"):
        return "", "Host key verification failed.\n", 255
    err = ""
    if options.get("loglevel", "info").lower() not in ("error", "quiet", "fatal"):
        err = (f"Warning: Permanently added '{destination}' (ECDSA) to the list of known "
               "hosts.\r\n")
    service = host.service("sshd")
    text = service.running_config(CONFIG) if service is not None else None
    try:
        settings = parse_config(text, path=CONFIG, include=_include(host)) if text else None
    except ConfigError:
        settings = None

    def log(at, program, pid, message):  # type: ignore[no-untyped-def]
        from labguide.sim.sshd.authlog import syslog_line

        host.append(AUTH_LOG, syslog_line(at, host.hostname, program, pid, message) + "\n", at)

    now = shell.now
    daemon = Sshd(users=_users(host), log=log, first_pid=2000 + int(now.timestamp()) % 28000)
    source = "127.0.0.1" if destination in ("127.0.0.1", "localhost") else destination
    message, status = daemon.probe(settings, at=now, user=user, source_ip=source,
                                   source_port=40000 + int(now.timestamp()) % 20000,
                                   host=destination)
    return "", err + message, status
