"""sshd_config as OpenSSH reads it (sshd_config(5), OpenSSH 8.7 as on Amazon Linux 2023).

- One `Keyword arguments` (or `Keyword=arguments`) per line; keywords are
  case-insensitive; `#` starts a comment line; blank lines are ignored.
- "For each keyword, the first obtained value will be used": a later line for the same
  keyword changes nothing, which is why appending `PasswordAuthentication no` below an
  earlier `yes` has no effect.
- `Match` starts a block that lasts until the next `Match` or the end of the file; its
  lines apply only to connections meeting its criteria (User, Address, All, with comma
  lists and `!` negation) and "override those set in the global section"; among the
  blocks that apply, the first value again wins.
- `Include` reads other files (globs) in place.
An unknown keyword, or a yes/no keyword with another value, makes the file invalid:
`sshd -t` reports it and sshd refuses to start.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field

# Keywords OpenSSH 8.7's sshd accepts (lower case). Unknown ones are a configuration error.
KNOWN_KEYWORDS = frozenset("""
acceptenv addressfamily allowagentforwarding allowgroups allowstreamlocalforwarding
allowtcpforwarding allowusers authenticationmethods authorizedkeyscommand
authorizedkeyscommanduser authorizedkeysfile authorizedprincipalscommand
authorizedprincipalscommanduser authorizedprincipalsfile banner casignaturealgorithms
challengeresponseauthentication chrootdirectory ciphers clientalivecountmax
clientaliveinterval compression denygroups denyusers disableforwarding
exposeauthinfo fingerprinthash forcecommand gatewayports gssapiauthentication
gssapicleanupcredentials gssapienablek5users gssapikexalgorithms gssapikeyexchange
gssapistorecredentialsonrekey gssapistrictacceptorcheck hostbasedacceptedalgorithms
hostbasedacceptedkeytypes hostbasedauthentication hostbasedusesnamefrompacketonly
hostcertificate hostkey hostkeyagent hostkeyalgorithms ignorerhosts ignoreuserknownhosts
include ipqos kbdinteractiveauthentication kerberosauthentication kerberosgetafstoken
kerberosorlocalpasswd kerberosticketcleanup kerberosusekuserok kexalgorithms
listenaddress logingracetime loglevel logverbose macs match maxauthtries maxsessions
maxstartups modulifile passwordauthentication permitemptypasswords permitlisten
permitopen permitrootlogin permittty permittunnel permituserenvironment permituserrc
persourcemaxstartups persourcenetblocksize pidfile port printlastlog printmotd
pubkeyacceptedalgorithms pubkeyacceptedkeytypes pubkeyauthentication
pubkeyauthoptions rekeylimit revokedkeys rdomain securitykeyprovider setenv
streamlocalbindmask streamlocalbindunlink strictmodes subsystem syslogfacility
tcpkeepalive trustedusercakeys usedns usepam versionaddendum x11displayoffset
x11forwarding x11uselocalhost xauthlocation
""".split())

YES_NO = frozenset({"passwordauthentication", "pubkeyauthentication",
                    "kbdinteractiveauthentication", "challengeresponseauthentication",
                    "permitemptypasswords", "usepam", "gssapiauthentication",
                    "hostbasedauthentication", "x11forwarding", "printmotd", "strictmodes",
                    "usedns", "tcpkeepalive", "kerberosauthentication"})
ROOT_LOGIN = frozenset({"yes", "no", "prohibit-password", "without-password",
                        "forced-commands-only"})
# Keywords allowed inside a Match block (a subset; others there are an error, as in sshd).
MATCH_KEYWORDS = frozenset({
    "acceptenv", "allowagentforwarding", "allowgroups", "allowstreamlocalforwarding",
    "allowtcpforwarding", "allowusers", "authenticationmethods", "authorizedkeyscommand",
    "authorizedkeyscommanduser", "authorizedkeysfile", "banner", "chrootdirectory",
    "clientalivecountmax", "clientaliveinterval", "denygroups", "denyusers", "forcecommand",
    "gatewayports", "gssapiauthentication", "hostbasedauthentication",
    "kbdinteractiveauthentication", "kerberosauthentication", "maxauthtries", "maxsessions",
    "passwordauthentication", "permitemptypasswords", "permitlisten", "permitopen",
    "permitrootlogin", "permittty", "permittunnel", "permituserrc",
    "pubkeyauthentication", "setenv", "x11forwarding",
})
# What sshd -T prints for the keywords labguide models, when the file says nothing.
DEFAULTS = {
    "port": "22",
    "permitrootlogin": "prohibit-password",
    "pubkeyauthentication": "yes",
    "passwordauthentication": "yes",
    "kbdinteractiveauthentication": "yes",
    "permitemptypasswords": "no",
    "usepam": "no",
    "maxauthtries": "6",
    "logingracetime": "120",
    "syslogfacility": "AUTH",
    "loglevel": "INFO",
}


# Keywords that may be given many times, each line adding a value.
MULTI_VALUED = frozenset({"hostkey", "acceptenv", "listenaddress", "subsystem", "setenv",
                          "hostcertificate", "port"})
# Older spellings sshd still reads as another keyword.
ALIASES = {"challengeresponseauthentication": "kbdinteractiveauthentication",
           "pubkeyacceptedkeytypes": "pubkeyacceptedalgorithms",
           "hostbasedacceptedkeytypes": "hostbasedacceptedalgorithms"}


class ConfigError(ValueError):
    """The file is not a valid sshd_config; `lines` are what `sshd -t` prints."""

    def __init__(self, lines: list[str]):
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Line:
    keyword: str  # lower case
    value: str
    where: str  # "path line N"


@dataclass(frozen=True)
class MatchBlock:
    criteria: tuple[tuple[str, str], ...]  # (criterion lower case, pattern list)
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class SshdSettings:
    """A parsed sshd_config: the global lines in order and the Match blocks."""

    lines: tuple[Line, ...]
    blocks: tuple[MatchBlock, ...] = field(default=())

    def value(self, keyword: str, *, user: str | None = None,
              address: str | None = None) -> str:
        """The value sshd uses for `keyword`, for a connection by `user` from `address`.

        The Match blocks whose criteria hold come first (they override the global
        section), in file order; then the global lines. The first value found wins;
        else sshd's default. Without a connection, only the global section counts.
        """
        key = keyword.lower()
        if user is not None or address is not None:
            for block in self.blocks:
                if _block_applies(block, user, address):
                    for line in block.lines:
                        if line.keyword == key:
                            return line.value
        for line in self.lines:
            if line.keyword == key:
                return line.value
        return DEFAULTS.get(key, "")

    def yes(self, keyword: str, **connection: str | None) -> bool:
        return self.value(keyword, **connection).lower() == "yes"

    def dump(self) -> str:
        """`sshd -T`: every modelled keyword and every one the file sets, lower case."""
        keys = list(dict.fromkeys([*DEFAULTS, *(line.keyword for line in self.lines)]))
        rows = []
        for key in keys:
            values = ([line.value for line in self.lines if line.keyword == key]
                      if key in MULTI_VALUED else [self.value(key)])
            lowered = key in YES_NO or key == "permitrootlogin"
            rows += [f"{key} {v.lower() if lowered else v}" for v in values or [self.value(key)]]
        return "\n".join(rows) + "\n"


def _patterns_match(patterns: str, text: str, matcher: Callable[[str, str], bool]) -> bool:
    """sshd's pattern lists: any positive match, and no negated match."""
    matched = False
    for pattern in patterns.split(","):
        pattern = pattern.strip()
        if not pattern:
            continue
        if pattern.startswith("!"):
            if matcher(text, pattern[1:]):
                return False
        elif matcher(text, pattern):
            matched = True
    return matched


def _address_matches(address: str, pattern: str) -> bool:
    if "/" in pattern:
        try:
            return ipaddress.ip_address(address) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    return fnmatch.fnmatchcase(address, pattern)


def _block_applies(block: MatchBlock, user: str | None, address: str | None) -> bool:
    for criterion, patterns in block.criteria:
        if criterion == "all":
            continue
        if criterion == "user":
            if user is None or not _patterns_match(patterns, user, fnmatch.fnmatchcase):
                return False
        elif criterion == "address":
            if address is None or not _patterns_match(patterns, address, _address_matches):
                return False
        else:
            return False  # Group, Host, LocalAddress...: not modelled, so never met
    return True


def _split(raw: str) -> tuple[str, str]:
    text = raw.strip()
    for index, char in enumerate(text):
        if char in " \t=":
            keyword, rest = text[:index], text[index:]
            rest = rest.strip()
            if rest.startswith("="):
                rest = rest[1:].strip()
            return keyword, rest
    return text, ""


def parse_config(text: str, *, path: str = "/etc/ssh/sshd_config",
                 include: Callable[[str], list[tuple[str, str]]] | None = None,
                 _depth: int = 0) -> SshdSettings:
    """Parse sshd_config text; raises ConfigError with sshd -t's lines when invalid.

    `include(pattern)` returns the (path, text) of each file a glob names, in order.
    """
    problems: list[str] = []
    globals_: list[Line] = []
    blocks: list[MatchBlock] = []
    current: tuple[tuple[str, str], ...] | None = None
    block_lines: list[Line] = []

    def close_block() -> None:
        if current is not None:
            blocks.append(MatchBlock(current, tuple(block_lines)))

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, value = _split(stripped)
        key = keyword.lower()
        where = f"{path} line {number}"
        if key not in KNOWN_KEYWORDS:
            problems.append(f"{path}: line {number}: Bad configuration option: {keyword}")
            continue
        if not value and key != "match":
            problems.append(f"{path} line {number}: missing argument.")
            continue
        first = value.split()[0] if value else ""
        if key in YES_NO and first.lower() not in ("yes", "no"):
            problems.append(f'{path} line {number}: unsupported option "{first}".')
            continue
        if key == "permitrootlogin" and first.lower() not in ROOT_LOGIN:
            problems.append(f'{path} line {number}: unsupported option "{first}".')
            continue
        if key == "match":
            close_block()
            block_lines = []
            current = _criteria(value, where, problems)
            continue
        if key == "include":
            if include is None or _depth > 8:
                continue
            for included_path, included_text in include(value):
                try:
                    inner = parse_config(included_text, path=included_path, include=include,
                                         _depth=_depth + 1)
                except ConfigError as error:
                    problems.extend(error.lines)
                    continue
                (block_lines if current is not None else globals_).extend(inner.lines)
                blocks.extend(inner.blocks)
            continue
        key = ALIASES.get(key, key)
        line = Line(key, value, where)
        if current is not None:
            if key not in MATCH_KEYWORDS:
                problems.append(f"{path} line {number}: Directive '{keyword}' is not allowed "
                                "within a Match block")
                continue
            block_lines.append(line)
        else:
            globals_.append(line)
    close_block()
    if problems:
        raise ConfigError(problems)
    return SshdSettings(tuple(globals_), tuple(blocks))


def _criteria(value: str, where: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    words = value.split()
    criteria: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        name = words[index].lower()
        if name == "all":
            criteria.append(("all", ""))
            index += 1
            continue
        if index + 1 >= len(words):
            problems.append(f"{where}: Missing Match criteria for {words[index]}")
            break
        criteria.append((name, words[index + 1]))
        index += 2
    if not criteria:
        problems.append(f"{where}: One or more Match criteria required")
    return tuple(criteria)
