"""sshd's configuration and its verdicts on password attempts, as OpenSSH documents them.

sshd_config(5) (https://man.openbsd.org/sshd_config): "For each keyword, the first
obtained value will be used"; keywords are case-insensitive; `Keyword=value` is allowed;
Match blocks override the global section for the connections they match;
ChallengeResponseAuthentication is a deprecated alias of KbdInteractiveAuthentication;
PermitRootLogin defaults to prohibit-password. Log lines are OpenSSH 8.7's (auth.c
auth_log: "Failed/Accepted %s for %s%.100s from %.200s port %d ssh2", auth2.c
"Invalid user %.100s from %.100s port %d", sshd.c "Connection closed by %s %s port %d
[preauth]" with "authenticating user"/"invalid user").
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from labguide.sim.sshd import Attempt, ConfigError, Sshd, UserAccount, parse_config
from labguide.sim.sshd.authlog import line_time, syslog_line

AT = datetime(2026, 12, 1, 23, 40, 5, tzinfo=UTC)
A = "203.0.113.50"
USERS = {"alice": UserAccount("alice", 1001, "Summer2026!"),
         "ec2-user": UserAccount("ec2-user", 1000, None),
         "root": UserAccount("root", 0, "toor")}
AL2 = """\
# Amazon Linux 2, lifted and shifted with passwords on
HostKey /etc/ssh/ssh_host_rsa_key
SyslogFacility AUTHPRIV
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication yes
ChallengeResponseAuthentication no
GSSAPIAuthentication yes
GSSAPICleanupCredentials no
UsePAM yes
X11Forwarding yes
Subsystem sftp /usr/libexec/openssh/sftp-server
"""


def daemon():
    lines: list[str] = []
    sshd = Sshd(users=USERS, log=lambda at, prog, pid, msg: lines.append(msg))
    return sshd, lines


def attempt(user, password, port=50100):
    return Attempt(AT, A, port, user, password)


# ----- configuration ---------------------------------------------------------------------

def test_first_obtained_value_wins():
    settings = parse_config(AL2 + "PasswordAuthentication no\n")
    assert settings.value("PasswordAuthentication") == "yes"  # appended line is ignored
    fixed = parse_config(AL2.replace("PasswordAuthentication yes", "PasswordAuthentication no"))
    assert fixed.value("passwordauthentication") == "no"


def test_keywords_are_case_insensitive_and_take_equals():
    settings = parse_config("passwordAUTHENTICATION=no\n")
    assert settings.value("PasswordAuthentication") == "no"


def test_defaults_when_unset():
    settings = parse_config("# nothing\n")
    assert settings.value("PasswordAuthentication") == "yes"
    assert settings.value("PermitRootLogin") == "prohibit-password"


def test_alias_challenge_response_is_kbd_interactive():
    assert parse_config("ChallengeResponseAuthentication no\n").value(
        "KbdInteractiveAuthentication") == "no"


def test_match_block_overrides_global_for_matching_connections_only():
    settings = parse_config("PasswordAuthentication no\nMatch User alice Address 10.0.0.0/8\n"
                            "  PasswordAuthentication yes\n")
    assert settings.value("PasswordAuthentication") == "no"
    assert settings.value("PasswordAuthentication", user="alice", address="10.1.2.3") == "yes"
    assert settings.value("PasswordAuthentication", user="alice", address=A) == "no"
    assert settings.value("PasswordAuthentication", user="bob", address="10.1.2.3") == "no"


def test_match_negation():
    settings = parse_config("Match User *,!alice\n PasswordAuthentication no\n")
    assert settings.value("PasswordAuthentication", user="bob", address=A) == "no"
    assert settings.value("PasswordAuthentication", user="alice", address=A) == "yes"


def test_include_reads_files_in_place():
    files = {"/etc/ssh/sshd_config.d/50-local.conf": "PasswordAuthentication no\n"}
    settings = parse_config("Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n",
                            include=lambda pattern: sorted(files.items()))
    assert settings.value("PasswordAuthentication") == "no"


@pytest.mark.parametrize(("text", "message"), [
    ("PasswordAuthentification no\n", "line 1: Bad configuration option: PasswordAuthentification"),
    ("PasswordAuthentication nope\n", 'line 1: unsupported option "nope".'),
    ("PermitRootLogin maybe\n", 'line 1: unsupported option "maybe".'),
    ("Match User alice\n Port 2222\n", "Directive 'Port' is not allowed within a Match block"),
    ("PasswordAuthentication\n", "line 1: missing argument."),
])
def test_invalid_files_are_refused_with_sshd_t_lines(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert any(message in line for line in caught.value.lines), caught.value.lines


def test_dump_is_sshd_T():
    dump = parse_config(AL2).dump()
    assert "passwordauthentication yes\n" in dump
    assert "kbdinteractiveauthentication no\n" in dump
    assert "usepam yes\n" in dump and "port 22\n" in dump


# ----- verdicts and log lines ------------------------------------------------------------

def test_invalid_user_guess():
    sshd, lines = daemon()
    outcome = sshd.connect(parse_config(AL2), attempt("admin", "admin"))
    assert not outcome.accepted and outcome.reason == "failed-password"
    assert lines[0] == f"Invalid user admin from {A} port 50100"
    assert f"Failed password for invalid user admin from {A} port 50100 ssh2" in lines
    assert lines[-1] == f"Connection closed by invalid user admin {A} port 50100 [preauth]"


def test_wrong_and_right_password_for_a_real_user():
    sshd, lines = daemon()
    assert not sshd.connect(parse_config(AL2), attempt("alice", "password1")).accepted
    assert f"Failed password for alice from {A} port 50100 ssh2" in lines
    outcome = sshd.connect(parse_config(AL2), attempt("alice", "Summer2026!", 50101))
    assert outcome.accepted and outcome.client_message == ""
    assert f"Accepted password for alice from {A} port 50101 ssh2" in lines
    assert "pam_unix(sshd:session): session opened for user alice(uid=1001) by (uid=0)" in lines


def test_a_user_without_password_never_gets_in_by_password():
    sshd, lines = daemon()
    assert not sshd.connect(parse_config(AL2), attempt("ec2-user", "")).accepted
    assert f"Failed password for ec2-user from {A} port 50100 ssh2" in lines


def test_root_password_refused_under_prohibit_password():
    sshd, lines = daemon()
    assert not sshd.connect(parse_config(AL2), attempt("root", "toor")).accepted
    assert f"Failed password for root from {A} port 50100 ssh2" in lines
    permitted = parse_config(AL2 + "PermitRootLogin yes\n")
    assert sshd.connect(permitted, attempt("root", "toor")).accepted


def test_password_auth_off_refuses_even_the_right_password():
    settings = parse_config(AL2.replace("PasswordAuthentication yes", "PasswordAuthentication no"))
    sshd, lines = daemon()
    outcome = sshd.connect(settings, attempt("alice", "Summer2026!"))
    assert not outcome.accepted and outcome.reason == "no-password-method"
    assert outcome.client_message == "Permission denied (publickey,gssapi-keyex,gssapi-with-mic)."
    assert lines == [f"Connection closed by authenticating user alice {A} port 50100 [preauth]"]
    assert not any("Accepted" in line or "Failed" in line for line in lines)


def test_keyboard_interactive_with_pam_still_takes_passwords():
    text = AL2.replace("PasswordAuthentication yes", "PasswordAuthentication no").replace(
        "ChallengeResponseAuthentication no", "KbdInteractiveAuthentication yes")
    sshd, lines = daemon()
    assert sshd.connect(parse_config(text), attempt("alice", "Summer2026!")).accepted
    assert f"Accepted keyboard-interactive/pam for alice from {A} port 50100 ssh2" in lines


def test_allow_users_makes_others_invalid():
    sshd, lines = daemon()
    settings = parse_config("AllowUsers ec2-user\n" + AL2)
    assert not sshd.connect(settings, attempt("alice", "Summer2026!")).accepted
    assert f"User alice from {A} not allowed because not listed in AllowUsers" in lines
    assert f"Failed password for invalid user alice from {A} port 50100 ssh2" in lines


def test_not_running_refuses_the_connection_and_logs_nothing():
    sshd, lines = daemon()
    outcome = sshd.connect(None, attempt("alice", "Summer2026!"))
    assert outcome.reason == "not-running" and "Connection refused" in outcome.client_message
    assert lines == []


def test_probe_shows_the_running_servers_methods():
    sshd, lines = daemon()
    on, _ = sshd.probe(parse_config(AL2), at=AT, user="probe", source_ip="127.0.0.1",
                       source_port=40000, host="127.0.0.1")
    assert on == ("probe@127.0.0.1: Permission denied "
                  "(publickey,gssapi-keyex,gssapi-with-mic,password).\n")
    off, status = sshd.probe(parse_config("PasswordAuthentication no\nGSSAPIAuthentication yes\n"
                                          "KbdInteractiveAuthentication no\n"),
                             at=AT, user="probe", source_ip="127.0.0.1", source_port=40001,
                             host="127.0.0.1")
    assert "password" not in off and status == 255
    assert "Invalid user probe from 127.0.0.1 port 40000" in lines


# ----- syslog --------------------------------------------------------------------------------

def test_syslog_line_format_and_time():
    line = syslog_line(datetime(2026, 12, 1, 3, 4, 5, tzinfo=UTC), "ip-10-0-0-15", "sshd", 2412,
                       "Accepted password for alice from A port 1 ssh2")
    assert line == ("Dec  1 03:04:05 ip-10-0-0-15 sshd[2412]: "
                    "Accepted password for alice from A port 1 ssh2")
    assert line_time(line, year=2026) == datetime(2026, 12, 1, 3, 4, 5, tzinfo=UTC)
    assert line_time("not a syslog line", year=2026) is None
