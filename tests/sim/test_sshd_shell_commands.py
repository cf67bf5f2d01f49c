"""`sshd -T`/`sshd -t` read the file on disk; `ssh` to this host shows the methods of the
sshd that RUNS (the config it read at its last restart). A stand-in for the instance
host here; tests/sim/test_instance_shell.py runs them in the real shell."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from labguide.sim.sshd.shell_commands import ssh_command, sshd_command

ON = "PasswordAuthentication yes\nChallengeResponseAuthentication no\nGSSAPIAuthentication yes\n" \
     "UsePAM yes\n"
OFF = ON.replace("PasswordAuthentication yes", "PasswordAuthentication no")
PROBE = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
         "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "probe@127.0.0.1", "true"]


class StandIn:
    hostname = "ip-10-0-0-15.ap-southeast-2.compute.internal"
    users = {"root": {"uid": 0}, "alice": {"uid": 1002, "password": "x"}}

    def __init__(self, text):
        self.files = {"/etc/ssh/sshd_config": text, "/var/log/secure": ""}
        self.started = text

    def is_file(self, path):
        return path in self.files

    def read(self, path):
        return self.files[path]

    def listdir(self, path):
        return []

    def append(self, path, text, at=None):
        self.files[path] += text

    def service(self, name):
        return SimpleNamespace(running_config=lambda path: self.started) if name == "sshd" \
            else None


def shell(text):
    return SimpleNamespace(host=StandIn(text), now=datetime(2026, 12, 1, 23, 0, tzinfo=UTC))


def test_sshd_T_reads_the_file_on_disk():
    sh = shell(ON)
    sh.host.files["/etc/ssh/sshd_config"] = OFF  # edited, not restarted
    out, err, status = sshd_command(sh, ["-T"], "")
    assert status == 0 and "passwordauthentication no\n" in out


def test_sshd_t_reports_a_bad_file():
    sh = shell("PasswordAuthentication maybe\n")
    out, err, status = sshd_command(sh, ["-t"], "")
    assert status == 255 and 'unsupported option "maybe"' in err
    assert "terminating, 1 bad configuration options" in err
    assert sshd_command(shell(ON), ["-t"], "") == ("", "", 0)


def test_ssh_probe_shows_the_running_servers_methods():
    sh = shell(ON)
    sh.host.files["/etc/ssh/sshd_config"] = OFF  # edited, not restarted: still offered
    out, err, status = ssh_command(sh, PROBE, "")
    assert status == 255
    assert err == "probe@127.0.0.1: Permission denied " \
                  "(publickey,gssapi-keyex,gssapi-with-mic,password).\n"
    sh.host.started = OFF  # restarted
    _, err, _ = ssh_command(sh, PROBE, "")
    assert err == "probe@127.0.0.1: Permission denied (publickey,gssapi-keyex,gssapi-with-mic).\n"
    assert "Invalid user probe from 127.0.0.1 port" in sh.host.files["/var/log/secure"]
    # rsyslog's default template writes the short host name, as the guesser's lines do.
    assert all(line.split()[3] == "ip-10-0-0-15"
               for line in sh.host.files["/var/log/secure"].splitlines())


def test_ssh_elsewhere_or_unverified_host_key_fails():
    assert ssh_command(shell(ON), ["-o", "BatchMode=yes", "probe@203.0.113.9"], "")[2] == 255
    _, err, _ = ssh_command(shell(ON), ["-o", "BatchMode=yes", "probe@127.0.0.1"], "")
    assert err == "Host key verification failed.\n"


def test_sshd_without_mode_does_not_start_a_second_server():
    assert sshd_command(shell(ON), [], "")[2] == 1
