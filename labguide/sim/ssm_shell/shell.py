"""A small POSIX-like shell for the simulated instance, enough for the exercise.

Pure: `run_script(script, hostname=..., metadata=...)` returns the stdout, stderr and exit
code the script would produce on the instance. It understands words with single and
double quotes and backslashes, `#` comments, `NAME=value` assignments, `$NAME`, `${NAME}`,
`$?` and `$(...)` expansion, pipelines with `|`, and lists joined by newlines, `;`, `&&`
and `||`. Commands: `curl` (only the instance metadata service answers), `hostname` and
`echo`; anything else prints "<cmd>: command not found" on stderr and exits 127.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from labguide.sim.ssm_shell.imds import InstanceMetadata

IMDS_HOSTS = ("169.254.169.254", "instance-data", "instance-data.ec2.internal")


@dataclass(frozen=True)
class ShellResult:
    stdout: str
    stderr: str
    exit_code: int
    seconds: float = 0.01  # how long the script ran (its `sleep`s), in simulated seconds


class ShellSyntaxError(Exception):
    pass


# --- syntax tree -----------------------------------------------------------------------

@dataclass
class Segment:
    kind: str  # "lit", "var" or "cmd"
    value: object  # str for lit/var, list[ListItem] for cmd
    quoted: bool


@dataclass
class Word:
    segments: list[Segment] = field(default_factory=list)


@dataclass
class ListItem:
    pipeline: list[list[Word]]  # commands joined by |
    connector: str  # what follows: ";", "&&", "||"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATOR_CHARS = ";&|\n<>"


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def parse_list(self, closing: str | None = None) -> list[ListItem]:
        items: list[ListItem] = []
        pipeline: list[list[Word]] = []
        words: list[Word] = []

        def end_command() -> None:
            nonlocal words
            if words:
                pipeline.append(words)
            words = []

        def end_item(connector: str) -> None:
            nonlocal pipeline
            end_command()
            if pipeline:
                items.append(ListItem(pipeline, connector))
            elif connector in ("&&", "||", "|"):
                raise ShellSyntaxError(f"syntax error near unexpected token `{connector}'")
            pipeline = []

        while True:
            char = self.peek()
            if char == "":
                if closing:
                    raise ShellSyntaxError("unexpected EOF while looking for matching `)'")
                break
            if closing and char == closing:
                self.pos += 1
                break
            if char in " \t":
                self.pos += 1
            elif char == "\\" and self.peek(1) == "\n":
                self.pos += 2
            elif char == "#":
                while self.peek() not in ("", "\n"):
                    self.pos += 1
            elif char == "\n" or char == ";":
                self.pos += 1
                end_item(";")
            elif char == "&" and self.peek(1) == "&":
                self.pos += 2
                end_item("&&")
            elif char == "|" and self.peek(1) == "|":
                self.pos += 2
                end_item("||")
            elif char == "|":
                self.pos += 1
                if not words:
                    raise ShellSyntaxError("syntax error near unexpected token `|'")
                end_command()
            elif char == "&" and self.peek(1) == ">":
                self.pos += 1
                words.append(self.parse_redirect(closing, fd=-1))
            elif char == "&":
                raise ShellSyntaxError("background jobs (&) are not supported")
            elif char in "<>":
                words.append(self.parse_redirect(closing, fd=1 if char == ">" else 0))
            elif char.isdigit() and self.peek(1) in ("<", ">") and (
                    self.pos == 0 or self.text[self.pos - 1] in " \t;|&\n("):
                self.pos += 1
                words.append(self.parse_redirect(closing, fd=int(char)))
            else:
                words.append(self.parse_word(closing))
        end_item(";")
        return items

    def parse_redirect(self, closing: str | None, *, fd: int) -> Word:
        """`>`, `>>`, `<`, `N>&M` and `&>` (fd -1: both outputs), with their target word."""
        op = self.peek()
        self.pos += 1
        if op == ">" and self.peek() == ">":
            op, self.pos = ">>", self.pos + 1
        if op == ">" and self.peek() == "&" and self.peek(1).isdigit():
            target = int(self.peek(1))
            self.pos += 2
            return Word([Segment("redir", (fd, ">&", None, target), False)])
        while self.peek() in (" ", "\t"):
            self.pos += 1
        if self.peek() in ("", "\n", ";", "|", "&", "<", ">") or self.peek() == closing:
            raise ShellSyntaxError("syntax error near unexpected token `newline'")
        return Word([Segment("redir", (fd, op, self.parse_word(closing), None), False)])

    def parse_word(self, closing: str | None) -> Word:
        word = Word()
        literal: list[str] = []

        def flush(quoted: bool) -> None:
            if literal:
                word.segments.append(Segment("lit", "".join(literal), quoted))
                literal.clear()

        while True:
            char = self.peek()
            if char == "" or char in " \t" or char in _OPERATOR_CHARS or char == closing:
                break
            if char == "'":
                flush(False)
                end = self.text.find("'", self.pos + 1)
                if end < 0:
                    raise ShellSyntaxError("unexpected EOF while looking for matching `''")
                word.segments.append(Segment("lit", self.text[self.pos + 1 : end], True))
                self.pos = end + 1
            elif char == '"':
                flush(False)
                self.pos += 1
                self.parse_double_quoted(word)
            elif char == "\\":
                literal.append(self.peek(1))
                self.pos += 2
            elif char == "$":
                flush(False)
                self.parse_dollar(word, quoted=False)
            else:
                literal.append(char)
                self.pos += 1
        flush(False)
        return word

    def parse_double_quoted(self, word: Word) -> None:
        literal: list[str] = []
        while True:
            char = self.peek()
            if char == "":
                raise ShellSyntaxError('unexpected EOF while looking for matching `"\'')
            if char == '"':
                self.pos += 1
                break
            if char == "\\" and self.peek(1) in ('"', "\\", "$", "`", "\n"):
                if self.peek(1) != "\n":
                    literal.append(self.peek(1))
                self.pos += 2
            elif char == "$":
                if literal:
                    word.segments.append(Segment("lit", "".join(literal), True))
                    literal.clear()
                self.parse_dollar(word, quoted=True)
            else:
                literal.append(char)
                self.pos += 1
        # An empty "" still makes a (possibly empty) quoted word.
        word.segments.append(Segment("lit", "".join(literal), True))

    def parse_dollar(self, word: Word, *, quoted: bool) -> None:
        self.pos += 1  # the $
        char = self.peek()
        if char == "(":
            self.pos += 1
            word.segments.append(Segment("cmd", self.parse_list(closing=")"), quoted))
        elif char == "{":
            end = self.text.find("}", self.pos)
            if end < 0:
                raise ShellSyntaxError("unexpected EOF while looking for matching `}'")
            name = self.text[self.pos + 1 : end]
            if not (_NAME.fullmatch(name) or name == "?"):
                raise ShellSyntaxError(f"${{{name}}}: bad substitution")
            word.segments.append(Segment("var", name, quoted))
            self.pos = end + 1
        elif char == "?":
            self.pos += 1
            word.segments.append(Segment("var", "?", quoted))
        else:
            match = _NAME.match(self.text, self.pos)
            if match is None:
                word.segments.append(Segment("lit", "$", quoted))
            else:
                word.segments.append(Segment("var", match.group(0), quoted))
                self.pos = match.end()


def parse(script: str) -> list[ListItem]:
    return _Parser(script).parse_list()


# --- execution -------------------------------------------------------------------------

class ShellExit(Exception):
    """`exit N`: the script (or the $(...) subshell) ends with status N."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class Shell:
    """One run of a script: its variables, last exit status and the instance it runs on."""

    def __init__(self, *, hostname: str, metadata: InstanceMetadata | None,
                 host: Any = None, now: datetime | None = None, aws: Any = None):
        self.hostname = hostname
        self.metadata = metadata
        self.host = host  # labguide.sim.hosts.models.Host, or None (no file system)
        self.now = now or (metadata.now if metadata is not None else datetime.now(UTC))
        self.aws = aws  # runs `aws ...` inside the instance: (shell, args) -> (out, err, status)
        self.variables: dict[str, str] = {}
        self.cwd = "/"
        self.status = 0
        self.elapsed = 0.0  # simulated seconds spent (sleep)

    def child(self) -> Shell:
        inner = Shell(hostname=self.hostname, metadata=self.metadata, host=self.host,
                      now=self.now, aws=self.aws)
        inner.variables, inner.cwd = dict(self.variables), self.cwd
        return inner

    def run(self, items: list[ListItem]) -> tuple[str, str]:
        stdout: list[str] = []
        stderr: list[str] = []
        skip_next = False
        try:
            for item in items:
                if not skip_next:
                    out, err, self.status = self.run_pipeline(item.pipeline, stdout, stderr)
                    stdout.append(out)
                    stderr.append(err)
                if item.connector == "&&":
                    skip_next = self.status != 0
                elif item.connector == "||":
                    skip_next = self.status == 0
                else:
                    skip_next = False
        except ShellExit as done:
            self.status = done.status
        return "".join(stdout), "".join(stderr)

    def run_pipeline(self, pipeline: list[list[Word]], stdout: list[str],
                     stderr: list[str]) -> tuple[str, str, int]:
        stdin = ""
        errors: list[str] = []
        status = 0
        for command in pipeline:
            try:
                stdin, err, status = self.run_command(command, stdin)
            except ShellExit:
                if len(pipeline) > 1:  # exit in a pipeline ends only that part
                    continue
                stdout.append(stdin)
                stderr.append("".join(errors))
                raise
            errors.append(err)
        return stdin, "".join(errors), status

    def resolve(self, path: str) -> str:
        """An absolute path for `path`, relative to the working directory."""
        import posixpath

        return posixpath.normpath(posixpath.join(self.cwd, path))

    def run_command(self, words: list[Word], stdin: str) -> tuple[str, str, int]:
        redirects = [w.segments[0].value for w in words
                     if w.segments and w.segments[0].kind == "redir"]
        words = [w for w in words if not (w.segments and w.segments[0].kind == "redir")]
        assignments: list[tuple[str, Word]] = []
        index = 0
        while index < len(words):
            split = _assignment(words[index])
            if split is None:
                break
            assignments.append(split)
            index += 1
        errors: list[str] = []
        local_env: dict[str, str] = {}
        for name, value_word in assignments:
            value, err = self.expand_joined(value_word)
            errors.append(err)
            local_env[name] = value
        routes, stdin, problem = self.open_redirects(redirects, stdin)
        if problem:
            return "", "".join(errors) + problem, 1
        if index == len(words):
            self.variables.update(local_env)
            return self.route(routes, "", "".join(errors), 0)
        argv, err = self.expand(words[index:])
        errors.append(err)
        if not argv:
            return self.route(routes, "", "".join(errors), 0)
        saved = dict(self.variables)
        self.variables.update(local_env)
        try:
            out, err, status = self.call(argv, stdin)
        finally:
            if local_env:
                self.variables = {**saved, **{k: v for k, v in self.variables.items()
                                              if k not in local_env}}
        errors.append(err)
        return self.route(routes, out, "".join(errors), status)

    def call(self, argv: list[str], stdin: str) -> tuple[str, str, int]:
        from labguide.sim.ssm_shell.commands import COMMANDS

        name, args = argv[0], argv[1:]
        if name == "exit":
            try:
                code = int(args[0]) if args else self.status
            except ValueError:
                return "", f"sh: line 1: exit: {args[0]}: numeric argument required\n", 2
            raise ShellExit(code & 0xFF)
        if name == "echo":
            return _echo(args), "", 0
        if name == "hostname":
            return self.hostname + "\n", "", 0
        if name == "curl":
            return self.curl(args)
        if name == "aws" and self.aws is not None:
            return self.aws(self, args)
        command = COMMANDS.get(name.rsplit("/", 1)[-1] if name.startswith("/") else name)
        if command is None:
            return "", f"{name}: command not found\n", 127
        return command(self, args, stdin)

    # redirections

    def open_redirects(self, redirects: list[Any],
                       stdin: str) -> tuple[dict[int, Any], str, str]:
        """Where fd 1 and 2 go ("out", "err", None for /dev/null, or (path, append)), the
        command's stdin, and an error message if a redirection failed."""
        from labguide.sim.hosts.models import HostError

        routes: dict[int, Any] = {1: "out", 2: "err"}
        for fd, op, target_word, dup in redirects:
            if op == ">&":
                routes[fd] = routes.get(dup, "out")
                continue
            target, _ = self.expand_joined(target_word)
            if target == "/dev/null":
                if op == "<":
                    stdin = ""
                else:
                    for n in ((1, 2) if fd == -1 else (fd,)):
                        routes[n] = None
                continue
            path = self.resolve(target)
            if self.host is None:
                return routes, stdin, f"sh: {target}: No such file or directory\n"
            try:
                if op == "<":
                    stdin = self.host.read(path)
                    continue
                if op == ">":
                    self.host.write(path, "", at=self.now)
                else:
                    self.host.append(path, "", at=self.now)
            except HostError as error:
                return routes, stdin, f"sh: {target}: {error}\n"
            for n in ((1, 2) if fd == -1 else (fd,)):
                routes[n] = (path, True)  # truncated once above; every write now appends
        return routes, stdin, ""

    def route(self, routes: dict[int, Any], out: str, err: str,
              status: int) -> tuple[str, str, int]:
        streams = {"out": [], "err": []}
        for fd, text in ((1, out), (2, err)):
            target = routes.get(fd)
            if not text or target is None:
                continue
            if isinstance(target, tuple):
                self.host.append(target[0], text, at=self.now)
            else:
                streams[target].append(text)
        return "".join(streams["out"]), "".join(streams["err"]), status

    # expansion

    def expand(self, words: list[Word]) -> tuple[list[str], str]:
        fields: list[str] = []
        errors: list[str] = []
        for word in words:
            word_fields, err = self.expand_word(word)
            fields.extend(word_fields)
            errors.append(err)
        return fields, "".join(errors)

    def expand_joined(self, word: Word) -> tuple[str, str]:
        """Expansion without field splitting (assignment values)."""
        parts: list[str] = []
        errors: list[str] = []
        for segment in word.segments:
            text, err = self.segment_text(segment)
            parts.append(text)
            errors.append(err)
        return "".join(parts), "".join(errors)

    def expand_word(self, word: Word) -> tuple[list[str], str]:
        fields: list[str] = []
        current: list[str] = []
        has_field = False
        errors: list[str] = []
        for segment in word.segments:
            text, err = self.segment_text(segment)
            errors.append(err)
            if segment.quoted or segment.kind == "lit":
                current.append(text)
                has_field = True
                continue
            pieces = re.split(r"[ \t\n]+", text)
            if text[:1].isspace() and (current or has_field):
                fields.append("".join(current))
                current, has_field = [], False
            pieces = [p for p in pieces if p != ""]
            for i, piece in enumerate(pieces):
                if i > 0:
                    fields.append("".join(current))
                    current = []
                current.append(piece)
                has_field = True
            if text[-1:].isspace() and pieces:
                fields.append("".join(current))
                current, has_field = [], False
        if has_field:
            fields.append("".join(current))
        return fields, "".join(errors)

    def segment_text(self, segment: Segment) -> tuple[str, str]:
        if segment.kind == "lit":
            return str(segment.value), ""
        if segment.kind == "var":
            if segment.value == "?":
                return str(self.status), ""
            return self.variables.get(str(segment.value), ""), ""
        inner = self.child()
        out, err = inner.run(segment.value)  # type: ignore[arg-type]
        self.elapsed += inner.elapsed
        self.status = inner.status
        return out.rstrip("\n"), err

    # commands

    def curl(self, args: list[str]) -> tuple[str, str, int]:
        options = _parse_curl(args)
        if isinstance(options, str):
            return "", options, 2
        silent, show_error, fail, method, headers, url = options
        if url is None:
            return "", "curl: no URL specified!\n", 2

        def error(code: int, message: str) -> tuple[str, str, int]:
            shown = (not silent) or show_error
            return "", (f"curl: ({code}) {message}\n" if shown else ""), code

        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https"):
            return error(1, f'Protocol "{parts.scheme}" not supported')
        host = parts.hostname or ""
        if host not in IMDS_HOSTS or self.metadata is None:
            if re.fullmatch(r"[0-9.]+", host):
                return error(28, f"Failed to connect to {host} port {parts.port or 80} "
                                 "after 10000 ms: Timeout was reached")
            return error(6, f"Could not resolve host: {host}")
        if parts.scheme == "https":
            return error(7, f"Failed to connect to {host} port 443 after 0 ms: "
                            "Couldn't connect to server")
        status, body = self.metadata.request(method or "GET", parts.path or "/", headers)
        if fail and status >= 400:
            return error(22, f"The requested URL returned error: {status}")
        return body, "", 0


def _assignment(word: Word) -> tuple[str, Word] | None:
    if not word.segments:
        return None
    first = word.segments[0]
    if first.kind != "lit" or first.quoted:
        return None
    name, sep, rest = str(first.value).partition("=")
    if not sep or not _NAME.fullmatch(name):
        return None
    value = Word([Segment("lit", rest, True), *word.segments[1:]])
    return name, value


def _echo(args: list[str]) -> str:
    newline = True
    while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
        if "n" in args[0]:
            newline = False
        args = args[1:]
    return " ".join(args) + ("\n" if newline else "")


_CURL_FLAGS = {"s": "silent", "S": "show_error", "f": "fail", "L": None, "i": None, "v": None,
               "k": None, "4": None, "g": None}
_CURL_LONG = {"--silent": "silent", "--show-error": "show_error", "--fail": "fail",
              "--location": None, "--insecure": None, "--ipv4": None, "--globoff": None}


def _parse_curl(args: list[str]):  # type: ignore[no-untyped-def]
    flags = {"silent": False, "show_error": False, "fail": False}
    method: str | None = None
    headers: dict[str, str] = {}
    url: str | None = None
    index = 0

    def unknown(option: str) -> str:
        return (f"curl: option {option}: is unknown\n"
                "curl: try 'curl --help' or 'curl --manual' for more information\n")

    while index < len(args):
        arg = args[index]
        index += 1
        if arg in ("-X", "--request", "-H", "--header", "-m", "--max-time",
                   "--connect-timeout"):
            if index >= len(args):
                return f"curl: option {arg}: requires parameter\n"
            value = args[index]
            index += 1
            if arg in ("-X", "--request"):
                method = value
            elif arg in ("-H", "--header"):
                key, _, header_value = value.partition(":")
                headers[key.strip()] = header_value.strip()
            continue
        if arg.startswith("--"):
            if arg not in _CURL_LONG:
                return unknown(arg)
            if _CURL_LONG[arg]:
                flags[_CURL_LONG[arg]] = True
            continue
        if arg.startswith("-X") and len(arg) > 2:
            method = arg[2:]
            continue
        if arg.startswith("-") and len(arg) > 1:
            for letter in arg[1:]:
                if letter not in _CURL_FLAGS:
                    return unknown(f"-{letter}")
                if _CURL_FLAGS[letter]:
                    flags[_CURL_FLAGS[letter]] = True
            continue
        url = arg
    return flags["silent"], flags["show_error"], flags["fail"], method, headers, url


def run_script(
    script: str, *, hostname: str, metadata: InstanceMetadata | None, host: Any = None,
    now: datetime | None = None, aws: Any = None,
) -> ShellResult:
    """Run `script` as AWS-RunShellScript would on the instance (as root, in /)."""
    try:
        items = parse(script)
    except ShellSyntaxError as error:
        return ShellResult("", f"sh: line 1: {error}\n", 2)
    shell = Shell(hostname=hostname, metadata=metadata, host=host, now=now, aws=aws)
    stdout, stderr = shell.run(items)
    return ShellResult(stdout, stderr, shell.status, round(0.01 + shell.elapsed, 3))
