"""OpenSSH's server on a simulated instance: its configuration, its daemon, its log lines.

`config` reads sshd_config as sshd_config(5) says (first value wins, Match blocks,
Include); `daemon.Sshd` is the running server, whose settings are those of the file
at its last (re)start; `authlog` writes its lines as syslog puts them in
/var/log/secure. Nothing here knows an exercise: a world gives the users, the file
and the attempts.
"""

from labguide.sim.sshd.config import ConfigError, SshdSettings, parse_config
from labguide.sim.sshd.daemon import Attempt, AttemptOutcome, Sshd, UserAccount

__all__ = ["Attempt", "AttemptOutcome", "ConfigError", "Sshd", "SshdSettings", "UserAccount",
           "parse_config"]
