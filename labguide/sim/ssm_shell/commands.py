"""The instance shell's commands: identity, time, text over the host's files, services.

Each command is `(shell, args, stdin) -> (stdout, stderr, exit status)` and behaves as
its GNU coreutils / grep / sed / systemd namesake does on Amazon Linux 2 for the options
listed in its docstring; other options are refused with the tool's own usage error.
Files are the instance host's (`labguide.sim.hosts.models.Host`); commands run as root.

The learner's regular expressions (grep, sed) are compiled with RE2
(`labguide.scenario.patterns`), not Python's backtracking `re`: on a class server a
pattern such as `(a|a)+$` must not hold a server thread for minutes. RE2 matches in
linear time and has no back-references or look-around; a pattern needing them gets the
tool's error (exit 2 for grep, 1 for sed), as GNU tools give for a pattern they refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from labguide.scenario.patterns import PatternError, compile_pattern
from labguide.sim.hosts.models import HostError

Result = tuple[str, str, int]
Command = Callable[[Any, list[str], str], Result]
COMMANDS: dict[str, Command] = {}


def command(*names: str) -> Callable[[Command], Command]:
    def register(function: Command) -> Command:
        for name in names:
            COMMANDS[name] = function
        return function

    return register


def _no_fs(tool: str) -> Result:
    return "", f"{tool}: this instance has no file system to read\n", 1


def _read(shell: Any, tool: str, path: str, style: str = "plain") -> tuple[str | None, str]:
    """A file's text, or None and the tool's message (GNU wording per `style`)."""
    if shell.host is None:
        return None, f"{tool}: {path}: No such file or directory\n"
    try:
        return shell.host.read(shell.resolve(path)), ""
    except HostError as error:
        if style == "open":
            return None, f"{tool}: cannot open '{path}' for reading: {error}\n"
        if style == "sed":
            return None, f"{tool}: can't read {path}: {error}\n"
        return None, f"{tool}: {path}: {error}\n"


def _lines(text: str) -> list[str]:
    """Lines with their newlines kept (a last line may lack one)."""
    return text.splitlines(keepends=True)


# ----- trivial and identity --------------------------------------------------------------


@command("true", ":")
def _true(shell: Any, args: list[str], stdin: str) -> Result:
    return "", "", 0


@command("false")
def _false(shell: Any, args: list[str], stdin: str) -> Result:
    return "", "", 1


def _user(shell: Any) -> tuple[str, dict[str, Any]]:
    users = shell.host.users if shell.host is not None else {}
    return "root", users.get("root", {"uid": 0, "gid": 0})


@command("whoami")
def _whoami(shell: Any, args: list[str], stdin: str) -> Result:
    return _user(shell)[0] + "\n", "", 0


@command("id")
def _id(shell: Any, args: list[str], stdin: str) -> Result:
    """id, id -u, id -un, id -g, id -gn."""
    name, user = _user(shell)
    flags = "".join(a.lstrip("-") for a in args)
    if not flags:
        return (f"uid={user['uid']}({name}) gid={user['gid']}({name}) "
                f"groups={user['gid']}({name})\n"), "", 0
    if set(flags) - set("ugn"):
        return "", f"id: invalid option -- '{(set(flags) - set('ugn')).pop()}'\n", 1
    if "n" in flags:
        return name + "\n", "", 0
    return f"{user['gid'] if 'g' in flags else user['uid']}\n", "", 0


@command("pwd")
def _pwd(shell: Any, args: list[str], stdin: str) -> Result:
    return shell.cwd + "\n", "", 0


@command("cd")
def _cd(shell: Any, args: list[str], stdin: str) -> Result:
    target = shell.resolve(args[0] if args else "/root")
    if shell.host is None or not shell.host.is_dir(target):
        return "", f"sh: line 1: cd: {args[0] if args else '/root'}: No such file or directory\n", 1
    shell.cwd = target
    return "", "", 0


@command("uname")
def _uname(shell: Any, args: list[str], stdin: str) -> Result:
    """uname [-a|-s|-n|-r|-v|-m]."""
    image = shell.host.image if shell.host is not None else {}
    parts = {"s": "Linux", "n": shell.hostname, "r": image.get("kernel", "4.14"),
             "v": image.get("kernel_version", "#1 SMP"), "m": image.get("machine", "x86_64")}
    flags = "".join(a.lstrip("-") for a in args) or "s"
    if "a" in flags:
        return (f"{parts['s']} {parts['n']} {parts['r']} {parts['v']} {parts['m']} "
                f"{parts['m']} {parts['m']} GNU/Linux\n"), "", 0
    unknown = set(flags) - set(parts)
    if unknown:
        return "", f"uname: invalid option -- '{unknown.pop()}'\n", 1
    return " ".join(parts[f] for f in "snrvm" if f in flags) + "\n", "", 0


@command("date")
def _date(shell: Any, args: list[str], stdin: str) -> Result:
    """date [-u] [+FORMAT]: the world clock's moment, in UTC (the instance's zone)."""
    now: datetime = shell.now
    formats = [a for a in args if a.startswith("+")]
    if formats:
        return now.strftime(formats[0][1:].replace("%s", str(int(now.timestamp())))) + "\n", \
            "", 0
    return now.strftime("%a %b ") + f"{now.day:>2}" + now.strftime(" %H:%M:%S UTC %Y\n"), "", 0


@command("sleep")
def _sleep(shell: Any, args: list[str], stdin: str) -> Result:
    """sleep N[s|m|h]...: the script takes that long on the world clock (InProgress)."""
    total = 0.0
    for arg in args:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", arg)
        if match is None:
            return "", f"sleep: invalid time interval '{arg}'\n", 1
        total += float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600,
                                          "d": 86400}[match.group(2)]
    if not args:
        return "", "sleep: missing operand\n", 1
    shell.elapsed += total
    return "", "", 0


@command("sudo")
def _sudo(shell: Any, args: list[str], stdin: str) -> Result:
    """Run Command already runs as root: sudo runs its command unchanged."""
    while args and args[0].startswith("-"):
        args = args[1:]
    if not args:
        return "", "usage: sudo command\n", 1
    return shell.call(args, stdin)


# ----- reading files ---------------------------------------------------------------------


@command("cat")
def _cat(shell: Any, args: list[str], stdin: str) -> Result:
    """cat [-n] [FILE...] (no FILE or '-': stdin)."""
    number = "-n" in args
    files = [a for a in args if a != "-n"] or ["-"]
    out, err, status = [], [], 0
    for name in files:
        text, problem = (stdin, "") if name == "-" else _read(shell, "cat", name)
        if text is None:
            err.append(problem)
            status = 1
            continue
        out.append(text)
    body = "".join(out)
    if number:
        body = "".join(f"{i:>6}\t{line}" for i, line in enumerate(_lines(body), 1))
    return body, "".join(err), status


def _count_option(args: list[str], tool: str) -> tuple[int | None, bool, list[str], str]:
    """-n N, -nN, -N, --lines=N, and tail's +N (from line N): (count, from_start, files)."""
    count: int | None = 10
    from_start = False
    files: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        value = None
        if arg == "-n" and index < len(args):
            value, index = args[index], index + 1
        elif arg.startswith("-n"):
            value = arg[2:]
        elif arg.startswith("--lines="):
            value = arg[8:]
        elif re.fullmatch(r"-\d+", arg):
            value = arg[1:]
        elif arg.startswith("-") and arg != "-":
            return None, False, [], f"{tool}: invalid option -- '{arg.lstrip('-')[:1]}'\n"
        else:
            files.append(arg)
            continue
        if value.startswith("+"):
            from_start, value = True, value[1:]
        if not value.isdigit():
            return None, False, [], f"{tool}: invalid number of lines: '{value}'\n"
        count = int(value)
    return count, from_start, files or ["-"], ""


def _head_tail(tool: str, shell: Any, args: list[str], stdin: str) -> Result:
    count, from_start, files, problem = _count_option(args, tool)
    if problem:
        return "", problem, 1
    out, err, status = [], [], 0
    for name in files:
        text, trouble = (stdin, "") if name == "-" else _read(shell, tool, name, "open")
        if text is None:
            err.append(trouble)
            status = 1
            continue
        if len(files) > 1:
            out.append(("\n" if out else "") + f"==> {name} <==\n")
        lines = _lines(text)
        if tool == "head":
            chosen = lines[:count]
        elif from_start:
            chosen = lines[max(count - 1, 0):]
        else:
            chosen = lines[-count:] if count else []
        out.append("".join(chosen))
    return "".join(out), "".join(err), status


@command("head")
def _head(shell: Any, args: list[str], stdin: str) -> Result:
    """head [-n N | -N] [FILE...]."""
    return _head_tail("head", shell, args, stdin)


@command("tail")
def _tail(shell: Any, args: list[str], stdin: str) -> Result:
    """tail [-n N | -N | -n +N] [FILE...] (no -f: a command's output is finite)."""
    return _head_tail("tail", shell, args, stdin)


def _arguments(args: list[str], valued: str = "-e") -> list[tuple[str, str]]:
    """grep's and sed's command line in order, as (kind, text): ("-e", its value),
    ("option", "-xyz") or ("operand", text); after `--` everything is an operand."""
    scanned: list[tuple[str, str]] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            scanned += [("operand", rest) for rest in args[index:]]
            break
        if arg == valued and index < len(args):
            scanned.append((valued, args[index]))
            index += 1
        elif arg.startswith("-") and len(arg) > 1:
            scanned.append(("option", arg))
        else:
            scanned.append(("operand", arg))
    return scanned


class RegexRefused(ValueError):
    """RE2 cannot run the pattern; the message says why, as a shell error line."""


def _regex(source: str, ignore_case: bool = False) -> Any:
    """The learner's pattern compiled with RE2 (linear time); RegexRefused if it cannot be."""
    try:
        return compile_pattern(source, ignore_case)
    except PatternError as refused:
        raise RegexRefused(str(refused).replace("invalid regular expression", "this shell's "
                           "regular expressions are RE2", 1)) from None


def _bre_to_python(pattern: str) -> str:
    """A POSIX basic regular expression in RE2's (Python-like) syntax: in a BRE
    `+ ? | ( ) { }` are literal and their backslashed forms are the operators (GNU
    extensions)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            following = pattern[index + 1]
            out.append(following if following in "+?|(){}" else "\\" + following)
            index += 2
            continue
        out.append("\\" + char if char in "+?|(){}" else char)
        index += 1
    return "".join(out)


@command("grep", "egrep", "fgrep")
def _grep(shell: Any, args: list[str], stdin: str) -> Result:
    """grep [-i -v -c -n -l -q -h -H -E -F -w -x] [-e PATTERN] PATTERN [FILE...]."""
    flags: set[str] = set()
    patterns: list[str] = []
    operands: list[str] = []
    for kind, text in _arguments(args):
        if kind == "-e":
            patterns.append(text)
        elif kind == "option":
            for letter in text[1:]:
                if letter not in "ivcnlqhHEFwxsr":
                    return "", (f"grep: invalid option -- '{letter}'\n"
                                "Usage: grep [OPTION]... PATTERNS [FILE]...\n"), 2
                flags.add(letter)
        else:
            operands.append(text)
    if not patterns:
        if not operands:
            return "", "Usage: grep [OPTION]... PATTERNS [FILE]...\n", 2
        patterns.append(operands.pop(0))
    files = operands or ["-"]
    mode = "F" if "F" in flags else ("E" if "E" in flags else "G")
    mode = {"egrep": "E", "fgrep": "F"}.get(getattr(shell, "_tool", ""), mode)
    compiled = []
    for pattern in patterns:
        source = re.escape(pattern) if mode == "F" else (
            pattern if mode == "E" else _bre_to_python(pattern))
        if "w" in flags:  # a whole word: not touching a word character on either side
            source = rf"(?:^|\W)(?:{source})(?:\W|$)"
        if "x" in flags:
            source = rf"^(?:{source})$"
        try:
            compiled.append(_regex(source, "i" in flags))
        except RegexRefused as refused:
            return "", f"grep: {refused}\n", 2
    show_names = ("H" in flags or len(files) > 1) and "h" not in flags
    out, err = [], []
    matched_any, trouble = False, False
    for name in files:
        text, problem = (stdin, "") if name == "-" else _read(shell, "grep", name)
        if text is None:
            if "s" not in flags:
                err.append(problem)
            trouble = True
            continue
        label = "(standard input)" if name == "-" else name
        count = 0
        for number, line in enumerate(text.splitlines(), 1):
            hit = any(p.search(line) for p in compiled)
            if hit == ("v" in flags):
                continue
            count += 1
            matched_any = True
            if "q" in flags:
                return "", "", 0
            if "c" in flags or "l" in flags:
                continue
            prefix = (f"{label}:" if show_names else "") + (f"{number}:" if "n" in flags else "")
            out.append(prefix + line + "\n")
        if "c" in flags:
            out.append((f"{label}:" if show_names else "") + f"{count}\n")
        if "l" in flags and count:
            out.append(label + "\n")
    status = 2 if trouble and not ("q" in flags and matched_any) else (0 if matched_any else 1)
    if trouble and matched_any:
        status = 2
    return "".join(out), "".join(err), status


@command("wc")
def _wc(shell: Any, args: list[str], stdin: str) -> Result:
    """wc [-l -w -c] [FILE...]."""
    flags = "".join(a[1:] for a in args if a.startswith("-") and a != "-") or "lwc"
    files = [a for a in args if not a.startswith("-") or a == "-"] or ["-"]
    out, err, status = [], [], 0
    for name in files:
        text, problem = (stdin, "") if name == "-" else _read(shell, "wc", name)
        if text is None:
            err.append(problem)
            status = 1
            continue
        counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
        numbers = [str(counts[f]) for f in "lwc" if f in flags]
        width = 1 if len(numbers) == 1 and name == "-" else 7
        line = " ".join(n.rjust(width) for n in numbers)
        out.append(line + ("" if name == "-" else f" {name}") + "\n")
    return "".join(out), "".join(err), status


@command("ls")
def _ls(shell: Any, args: list[str], stdin: str) -> Result:
    """ls [-1 -a] [PATH...]: names, one per line."""
    paths = [a for a in args if not a.startswith("-")] or [shell.cwd]
    out, err, status = [], [], 0
    for name in paths:
        path = shell.resolve(name)
        if shell.host is not None and shell.host.is_file(path):
            out.append(name + "\n")
        elif shell.host is not None and shell.host.is_dir(path):
            if len(paths) > 1:
                out.append(f"{name}:\n")
            out.extend(entry + "\n" for entry in shell.host.listdir(path))
        else:
            err.append(f"ls: cannot access '{name}': No such file or directory\n")
            status = 2
    return "".join(out), "".join(err), status


# ----- writing files ---------------------------------------------------------------------


@command("tee")
def _tee(shell: Any, args: list[str], stdin: str) -> Result:
    """tee [-a] FILE...: stdin to each FILE (truncated, or appended with -a) and stdout."""
    append = any(a in ("-a", "--append") for a in args)
    files = [a for a in args if a not in ("-a", "--append")]
    err, status = [], 0
    for name in files:
        if shell.host is None:
            err.append(f"tee: {name}: No such file or directory\n")
            status = 1
            continue
        try:
            if append:
                shell.host.append(shell.resolve(name), stdin, at=shell.now)
            else:
                shell.host.write(shell.resolve(name), stdin, at=shell.now)
        except HostError as error:
            err.append(f"tee: {name}: {error}\n")
            status = 1
    return stdin, "".join(err), status


_SED_USAGE = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n"


def _sed_program(script: str, extended: bool) -> list[tuple[Any, str, Any]] | str:
    """Commands of a sed script: `[ADDRESS]s/RE/REPL/FLAGS`, `[ADDRESS]d`, `[ADDRESS]p`,
    with ADDRESS a line number, `$` or `/RE/`; commands separated by `;` or newlines."""
    program: list[tuple[Any, str, Any]] = []
    pos = 0

    def regex(source: str, ignore_case: bool = False) -> Any:
        return _regex(source if extended else _bre_to_python(source), ignore_case)

    def delimited(delimiter: str) -> str:
        nonlocal pos
        chars: list[str] = []
        while pos < len(script):
            char = script[pos]
            if char == "\\" and pos + 1 < len(script):
                if script[pos + 1] == delimiter:
                    chars.append(delimiter)
                else:
                    chars.append(script[pos:pos + 2])
                pos += 2
                continue
            if char == delimiter:
                pos += 1
                return "".join(chars)
            chars.append(char)
            pos += 1
        raise ValueError("unterminated `s' command")

    try:
        while pos < len(script):
            while pos < len(script) and script[pos] in " \t;\n":
                pos += 1
            if pos >= len(script):
                break
            address: Any = None
            if script[pos].isdigit():
                match = re.match(r"\d+", script[pos:])
                address = int(match.group(0))  # type: ignore[union-attr]
                pos += len(match.group(0))  # type: ignore[union-attr]
            elif script[pos] == "$":
                address, pos = "$", pos + 1
            elif script[pos] == "/":
                pos += 1
                address = ("regex", regex(delimited("/")))
            if pos >= len(script):
                raise ValueError("missing command")
            name = script[pos]
            pos += 1
            if name in "dp":
                program.append((address, name, None))
            elif name == "s":
                delimiter = script[pos]
                pos += 1
                pattern, replacement = delimited(delimiter), delimited(delimiter)
                flags = re.match(r"[gIip0-9]*", script[pos:]).group(0)  # type: ignore[union-attr]
                pos += len(flags)
                compiled = regex(pattern, "I" in flags or "i" in flags)
                count = 0 if "g" in flags else int(re.sub(r"\D", "", flags) or 1)
                program.append((address, "s", (compiled, _sed_replacement(replacement),
                                               count, "p" in flags)))
            else:
                raise ValueError(f"unknown command: `{name}'")
    except (ValueError, IndexError) as error:  # RegexRefused is a ValueError
        return f"sed: -e expression #1, char {pos}: {error}\n"
    return program


def _sed_replacement(text: str) -> str:
    """sed's replacement (`&`, `\\1`) as re.sub's (`\\g<0>`, `\\1`)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            out.append(f"\\{following}" if following.isdigit() else
                       ("\n" if following == "n" else following.replace("\\", "\\\\")))
            index += 2
            continue
        out.append("\\g<0>" if char == "&" else char.replace("\\", "\\\\"))
        index += 1
    return "".join(out)


def _sed_apply(program: list[tuple[Any, str, Any]], text: str, quiet: bool) -> str:
    lines = _lines(text)
    out: list[str] = []
    for number, raw in enumerate(lines, 1):
        newline = "\n" if raw.endswith("\n") else ""
        line = raw[:-1] if newline else raw
        deleted = False
        for address, name, argument in program:
            if address is not None:
                if address == "$" and number != len(lines):
                    continue
                if isinstance(address, int) and address != number:
                    continue
                if isinstance(address, tuple) and not address[1].search(line):
                    continue
            if name == "d":
                deleted = True
                break
            if name == "p":
                out.append(line + "\n")
            elif name == "s":
                compiled, replacement, count, show = argument
                if count <= 1:
                    changed, made = compiled.subn(replacement, line, count=count)
                else:  # the Nth match only
                    matches = list(compiled.finditer(line))
                    made = 0
                    changed = line
                    if len(matches) >= count:
                        m = matches[count - 1]
                        changed = line[:m.start()] + m.expand(replacement) + line[m.end():]
                        made = 1
                line = changed
                if made and show:
                    out.append(line + "\n")
        if not deleted and not quiet:
            out.append(line + newline)
    return "".join(out)


@command("sed")
def _sed(shell: Any, args: list[str], stdin: str) -> Result:
    """sed [-n] [-i[SUFFIX]] [-E|-r] [-e SCRIPT]... [SCRIPT] [FILE...]."""
    in_place, suffix, quiet, extended = False, "", False, False
    scripts: list[str] = []
    files: list[str] = []
    for kind, arg in _arguments(args):
        if kind == "-e":
            scripts.append(arg)
        elif kind == "operand":
            files.append(arg)
        elif arg.startswith("--in-place"):
            in_place, suffix = True, arg.partition("=")[2]
        elif arg in ("--quiet", "--silent"):
            quiet = True
        elif arg == "--regexp-extended":
            extended = True
        else:  # short options, combined as in `-nE`; -i takes the rest as its suffix
            for position, letter in enumerate(arg[1:], 2):
                if letter == "i":
                    in_place, suffix = True, arg[position:]
                    break
                if letter not in "nEr" or arg.startswith("--"):
                    return "", f"sed: invalid option -- '{letter}'\n" + _SED_USAGE, 1
                quiet = quiet or letter == "n"
                extended = extended or letter in "Er"
    if not scripts:
        if not files:
            return "", _SED_USAGE, 1
        scripts.append(files.pop(0))
    program = _sed_program("\n".join(scripts), extended)
    if isinstance(program, str):
        return "", program, 1
    if in_place and not files:
        return "", "sed: no input files\n", 1
    out, err, status = [], [], 0
    for name in files or ["-"]:
        text, problem = (stdin, "") if name == "-" else _read(shell, "sed", name, "sed")
        if text is None:
            err.append(problem)
            status = 2
            continue
        edited = _sed_apply(program, text, quiet)
        if in_place:
            path = shell.resolve(name)
            if suffix:
                shell.host.write(path + suffix, text, at=shell.now)
            shell.host.write(path, edited, at=shell.now)
        else:
            out.append(edited)
    return "".join(out), "".join(err), status


# ----- services ----------------------------------------------------------------------------


def _ago(start: datetime, now: datetime) -> str:
    seconds = max(int((now - start).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}min {seconds % 60}s ago" if seconds < 600 else \
            f"{seconds // 60}min ago"
    return f"{seconds // 3600}h {seconds % 3600 // 60}min ago"


def _status_text(service: Any, now: datetime) -> str:
    unit = f"{service.name}.service"
    started = service.started_at
    if service.active and started is not None:
        active = (f"active (running) since {started:%a %Y-%m-%d %H:%M:%S} UTC; "
                  f"{_ago(started, now)}")
    else:
        active = "inactive (dead)"
    return (f"\u25cf {unit} - {service.description}\n"
            f"   Loaded: loaded ({service.unit}; enabled; vendor preset: enabled)\n"
            f"   Active: {active}\n")


@command("systemctl")
def _systemctl(shell: Any, args: list[str], stdin: str) -> Result:
    """systemctl start|stop|restart|reload|try-restart|status|is-active|enable|disable
    UNIT..., and daemon-reload. A (re)start or reload makes the service read its files."""
    from labguide.sim.hosts.models import HostError

    words = [a for a in args if not a.startswith("-")]
    if not words:
        return "", "systemctl: this simulated host lists no units; name a verb and a unit\n", 1
    verb, units = words[0], words[1:]
    if verb == "daemon-reload":
        return "", "", 0
    verbs = ("start", "stop", "restart", "reload", "try-restart", "status", "is-active",
             "enable", "disable", "reload-or-restart")
    if verb not in verbs:
        return "", f'Unknown operation \'{verb}\'.\n', 1
    if not units:
        return "", "Too few arguments.\n", 1
    if shell.host is None:
        return "", "System has not been booted with systemd as init system (PID 1).\n", 1
    out, err, status = [], [], 0
    for unit in units:
        name = unit.removesuffix(".service")
        service = shell.host.service(name)
        if service is None:
            if verb == "status":
                err.append(f"Unit {name}.service could not be found.\n")
                status = 4
            elif verb == "is-active":
                out.append("inactive\n")
                status = 3
            else:
                action = {"start": "start", "stop": "stop"}.get(verb, verb)
                err.append(f"Failed to {action} {name}.service: Unit {name}.service not found.\n")
                status = 5
            continue
        try:
            if verb in ("start",) and not service.active:
                shell.host.restart(name, at=shell.now)
            elif verb in ("restart", "reload-or-restart"):
                shell.host.restart(name, at=shell.now)
            elif verb == "try-restart" and service.active:
                shell.host.restart(name, at=shell.now)
            elif verb == "reload":
                shell.host.reload(name, at=shell.now)
            elif verb == "stop":
                shell.host.stop(name, at=shell.now)
            elif verb == "status":
                out.append(_status_text(service, shell.now))
                status = status or (0 if service.active else 3)
            elif verb == "is-active":
                out.append("active\n" if service.active else "inactive\n")
                status = status or (0 if service.active else 3)
        except HostError as error:
            err.append(f"Failed to {verb} {name}.service: {error}\n")
            status = 1
    return "".join(out), "".join(err), status


@command("service")
def _service(shell: Any, args: list[str], stdin: str) -> Result:
    """service NAME start|stop|restart|reload|status: Amazon Linux 2 hands it to systemctl."""
    if len(args) < 2:
        return "", ("Usage: service < option > | --status-all | "
                    "[ service_name [ command | --full-restart ] ]\n"), 1
    name, verb = args[0], args[1]
    note = f"Redirecting to /bin/systemctl {verb} {name}.service\n"
    out, err, status = _systemctl(shell, [verb, name], stdin)
    return out, note + err, status


# sshd's own tools (sshd -T/-t, ssh to this host) live with the sshd model.
from labguide.sim.sshd.shell_commands import ssh_command, sshd_command  # noqa: E402

COMMANDS["sshd"] = sshd_command
COMMANDS["ssh"] = ssh_command
