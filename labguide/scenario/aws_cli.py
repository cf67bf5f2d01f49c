"""AWS CLI command lines as API calls: `aws [--region R] [--output json|text] [--query Q]
SERVICE OPERATION [--param value...]`, read with botocore's own service models.

The AWS CLI names an operation's parameters after its input members in kebab case
(`InstanceIds` -> `--instance-ids`), takes a list as several values (or JSON), a
structure as JSON, a boolean as `--flag` / `--no-flag`; `aws SERVICE wait WAITER` polls
the waiter's operation with the same parameters. This is the one reader of such lines:
the simulated instance's `aws` command and the guide's runnable blocks (```sh run=aws)
both use it, and `labguide validate` judges a runnable block with it.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

USAGE = ("usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
         "To see help text, you can run:\n\n  aws help\n  aws <command> help\n"
         "  aws <command> <subcommand> help\n")
VALUE_OPTIONS = ("region", "output", "query", "profile", "endpoint-url")
FLAG_OPTIONS = ("no-cli-pager", "no-paginate", "debug", "no-verify-ssl")
# The CLI's own service names that are not botocore's.
SERVICE_NAMES = {"s3api": "s3"}


@lru_cache(maxsize=32)
def service_model(service: str) -> Any:
    """botocore's model of a service (loaded once per process)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def kebab(name: str) -> str:
    # botocore on first use: the guide's code blocks read run_target() while the step's
    # text is first drawn, and botocore's import (~50 ms) has no part in that
    from botocore import xform_name

    return xform_name(name, "-")


def global_options(args: list[str]) -> tuple[dict[str, str], list[str], str]:
    """The CLI's global options wherever they stand (a dict), the other arguments, and a
    problem in the CLI's words ("" when none)."""
    options: dict[str, str] = {}
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        name = arg[2:] if arg.startswith("--") else None
        if name in VALUE_OPTIONS:
            if index >= len(args):
                return {}, [], USAGE + f"aws: error: argument --{name}: expected one argument\n"
            options[name] = args[index]
            index += 1
        elif name in FLAG_OPTIONS:
            options[name] = ""
        else:
            rest.append(arg)
    return options, rest, ""


def operation_name(model: Any, cli_operation: str) -> str | None:
    """The API operation a CLI subcommand names (stop-instances -> StopInstances)."""
    return {kebab(name): name for name in model.operation_names}.get(cli_operation)


# The AWS CLI's own argument names where they are not the input members' (awscli's
# customizations argrename.py and ec2/secgroupsimplify.py; the CLI reference of
# create-network-acl-entry lists `--egress | --ingress`, that of
# revoke-security-group-ingress `--protocol`, `--port`, `--cidr`).
_EC2_FLAGS = {"ingress": ("Egress", False)}
_SECURITY_GROUP_RULES = frozenset({
    "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"})


def _rule_argument(params: dict[str, Any], name: str, value: str) -> None:
    """--protocol / --port / --cidr into the one IpPermissions entry, as the CLI builds it."""
    rule = params.setdefault("IpPermissions", [{}])[0]
    if name == "protocol":
        rule["IpProtocol"] = "-1" if value == "all" else value
    elif name == "port":
        low, _, high = value.partition("-") if value not in ("-1", "all") else ("-1", "", "")
        rule["FromPort"], rule["ToPort"] = int(low), int(high or low)
    else:
        rule.setdefault("IpRanges", []).append({"CidrIp": value})


def parameters(shape: Any, args: list[str], service: str = "",
               operation: str = "") -> tuple[dict[str, Any], str]:
    """CLI arguments (--instance-ids a b, --dry-run, --filters '[...]') as API parameters,
    and a problem in the CLI's words ("" when none). `service` and `operation` (the API
    names) admit the CLI's own argument names for them (ec2's --ingress, --port...)."""
    members = dict(shape.members) if shape is not None else {}
    by_cli = {kebab(name): name for name in members}
    params: dict[str, Any] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("--"):
            return {}, f"Unknown options: {arg}\n"
        name = arg[2:]
        if service == "ec2" and name in _EC2_FLAGS and _EC2_FLAGS[name][0] in members:
            member_name, value = _EC2_FLAGS[name]
            params[member_name] = value
            continue
        if operation in _SECURITY_GROUP_RULES and name in ("protocol", "port", "cidr"):
            if index >= len(args):
                return {}, f"aws: error: argument {arg}: expected one argument\n"
            try:
                _rule_argument(params, name, args[index])
            except ValueError:
                return {}, f"Error parsing parameter '{arg}': expected a port or a range\n"
            index += 1
            continue
        negated = name.startswith("no-") and name[3:] in by_cli
        member_name = by_cli.get(name[3:] if negated else name)
        if member_name is None:
            return {}, f"Unknown options: {arg}\n"
        member = members[member_name]
        if member.type_name == "boolean":
            params[member_name] = not negated
            continue
        values: list[str] = []
        while index < len(args) and not args[index].startswith("--"):
            values.append(args[index])
            index += 1
        if not values:
            return {}, f"aws: error: argument {arg}: expected one argument\n"
        try:
            params[member_name] = _value(member, values)
        except ValueError as error:
            return {}, f"Error parsing parameter '{arg}': {error}\n"
    return params, ""


def _value(shape: Any, values: list[str]) -> Any:
    if shape.type_name == "list":
        if len(values) == 1 and values[0].lstrip().startswith("["):
            return json.loads(values[0])
        return [_value(shape.member, [v]) for v in values]
    text = values[0]
    if shape.type_name in ("structure", "map"):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("expected JSON") from None
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name in ("float", "double"):
        return float(text)
    if shape.type_name == "boolean":
        return text.lower() == "true"
    return text


# ----- output -----------------------------------------------------------------------------


def render(answer: Any, options: dict[str, str], title: str = "") -> str:
    """The answer as the CLI prints it: `--query` applied, then json (default), text, or
    table (titled with the operation's name, as the CLI titles it)."""
    query = options.get("query")
    if query:
        import jmespath

        answer = jmespath.search(query, _plain(answer))
    if options.get("output") == "text":
        return _text(answer)
    if options.get("output") == "table":
        return _table(_plain(answer), title)
    return json.dumps(answer, indent=4, default=_json_default, ensure_ascii=False) + "\n"


def _plain(value: Any) -> Any:
    """Dates as the CLI shows them (ISO text), so a query can compare them."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | bytes):
        return _json_default(value)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _text(value: Any) -> str:
    """CLI v1's text output for the common shapes: scalars, lists, flat structures."""
    if value is None:
        return "None\n"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return "\t".join(_scalar(v) for v in value) + "\n"
        return "".join(_text(v) for v in value)
    if isinstance(value, dict):
        scalars = [_scalar(v) for v in value.values() if not isinstance(v, dict | list)]
        nested = [_text(v) for v in value.values() if isinstance(v, dict | list)]
        return ("\t".join(scalars) + "\n" if scalars else "") + "".join(nested)
    return _scalar(value) + "\n"


def _table(value: Any, title: str) -> str:
    """A grid of the answer's rows: lists as rows, structures as `key | value` rows (the
    CLI's table, without its nested sub-tables: a nested value is shown as JSON)."""
    items = value if isinstance(value, list) else [value]
    rows: list[list[str]] = []
    for item in items:
        if isinstance(item, list):
            rows.append([_cell(v) for v in item])
        elif isinstance(item, dict):
            rows += [[str(k), _cell(v)] for k, v in item.items()]
        else:
            rows.append([_cell(item)])
    columns = max((len(row) for row in rows), default=1)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max([len(row[n]) for row in rows] + [1]) for n in range(columns)]
    inner = sum(widths) + 3 * columns - 1
    if len(title) > inner:
        widths[-1] += len(title) - inner
        inner = len(title)
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = ["-" * (inner + 2), "|" + title.center(inner) + "|", rule]
    out += ["|" + "|".join(f" {cell:<{w}} " for cell, w in zip(row, widths, strict=True)) + "|"
            for row in rows]
    out.append(rule)
    return "\n".join(out) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=_json_default, separators=(",", ":"))
    return "None" if value is None else _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# ----- a runnable block's commands ---------------------------------------------------------


class CliLineError(ValueError):
    """A line of a runnable block that is not a plain AWS CLI call; `line` is 1-based
    within the block."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


@dataclass(frozen=True)
class CliCommand:
    """One `aws` command: the API call (or waiter) it makes and how it prints the answer."""

    text: str  # as written, continuation lines joined
    line: int  # where it starts in its block (1-based)
    service: str  # botocore's name (s3api -> s3)
    operation: str  # the API operation; for a waiter, the operation it polls
    params: dict[str, Any]
    waiter: str | None = None  # snake_case (instance_stopped)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def region(self) -> str | None:
        return self.options.get("region")


OUTPUTS = ("json", "text", "table")
# Characters a shell would act on (outside single quotes): a runnable block is sent as
# API calls, never through a shell, so it may hold none of them.
_SHELL_CHARS = set("|;&<>`$()")
_REFUSED_OPTIONS = {
    "profile": "the lab's own credentials are used",
    "endpoint-url": "the lab's own account is used",
    "debug": "not shown here", "no-verify-ssl": "certificates are always checked",
}


def logical_lines(code: str) -> list[tuple[int, str]]:
    """(first line number, text) of each command: `\\` continuations joined, blank lines
    and # comments left out."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(code.split("\n"), start=1):
        if not pending:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            start = number
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1])
            continue
        pending.append(line)
        out.append((start, " ".join(part.strip() for part in pending)))
        pending = []
    if pending:
        out.append((start, " ".join(part.strip() for part in pending)))
    return out


def shell_syntax(text: str) -> str | None:
    """The first character a shell would act on outside single quotes, else None."""
    quote: str | None = None
    escaped = False
    for char in text:
        if escaped:
            escaped = False
            continue
        if quote == "'":
            if char == "'":
                quote = None
            continue
        if char == "\\":
            escaped = True
        elif char == '"':
            quote = None if quote == '"' else '"'
        elif char == "'" and quote is None:
            quote = "'"
        elif char in _SHELL_CHARS and (quote is None or char in "$`"):
            return char
    return None


def parse_command(text: str, line: int = 1) -> CliCommand:
    """One `aws` command line as the call it makes; raises CliLineError saying why not."""
    bad = shell_syntax(text)
    if bad is not None:
        raise CliLineError(line, f"{bad!r} is shell syntax: a runnable AWS CLI block holds "
                           "plain `aws` commands (no variables, pipes, redirections or "
                           "$(...)); leave the block unmarked, for copying")
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise CliLineError(line, f"cannot read the command: {exc}") from None
    if not words or words[0] != "aws":
        raise CliLineError(line, "a runnable AWS CLI block holds `aws` commands only "
                           f"(this line starts with {words[0]!r})" if words else "empty")
    options, rest, problem = global_options(words[1:])
    if problem:
        raise CliLineError(line, problem.strip().splitlines()[-1])
    if options.get("output", "json") not in OUTPUTS:
        raise CliLineError(line, f"--output {options['output']}: a runnable block prints "
                           f"{', '.join(OUTPUTS)}")
    for name, why in _REFUSED_OPTIONS.items():
        if name in options:
            raise CliLineError(line, f"--{name} is not used in a runnable block ({why})")
    if len(rest) < 2:
        raise CliLineError(line, "an `aws` command needs a service and an operation "
                           "(aws SERVICE OPERATION ...)")
    service = SERVICE_NAMES.get(rest[0], rest[0])
    if rest[0] == "s3":
        raise CliLineError(line, "`aws s3 ...` commands are the CLI's own, not API "
                           "operations; use `aws s3api ...` in a runnable block")
    try:
        model = service_model(service)
    except Exception:  # botocore: UnknownServiceError, DataNotFoundError
        raise CliLineError(line, f"unknown AWS service {rest[0]!r}") from None
    waiter = None
    if rest[1] == "wait":
        if len(rest) < 3:
            raise CliLineError(line, f"`aws {rest[0]} wait` needs a waiter name")
        waiter = rest[2].replace("-", "_")
        operation = waiter_operation(service, waiter)
        if operation is None:
            raise CliLineError(line, f"{rest[0]} has no waiter {rest[2]!r}")
        args = rest[3:]
    else:
        found = operation_name(model, rest[1])
        if found is None:
            raise CliLineError(line, f"{rest[0]} has no operation {rest[1]!r}")
        operation, args = found, rest[2:]
    shape = model.operation_model(operation).input_shape
    params, problem = parameters(shape, args, service, operation)
    if problem:
        raise CliLineError(line, problem.strip())
    missing = [kebab(name) for name in (shape.required_members if shape is not None else [])
               if name not in params]
    if missing:
        raise CliLineError(line, "missing " + ", ".join(f"--{name}" for name in missing))
    return CliCommand(text, line, service, operation, params, waiter, options)


def parse_block(code: str) -> list[CliCommand]:
    """Every command of a runnable AWS CLI block; raises CliLineError at the first bad one."""
    commands = [parse_command(text, line) for line, text in logical_lines(code)]
    if not commands:
        raise CliLineError(1, "the block holds no command")
    return commands


@lru_cache(maxsize=64)
def waiter_operation(service: str, waiter: str) -> str | None:
    """The operation a waiter polls (instance_stopped -> DescribeInstances), or None."""
    import botocore.session
    from botocore.waiter import WaiterModel

    loader = botocore.session.get_session().get_component("data_loader")
    model = service_model(service)
    try:
        waiters = WaiterModel(loader.load_service_model(service, "waiters-2", model.api_version))
    except Exception:  # a service without waiters
        return None
    camel = "".join(part.capitalize() for part in waiter.split("_"))
    if camel not in waiters.waiter_names:
        return None
    return waiters.get_waiter(camel).operation


# ----- fences: which code blocks are runnable ----------------------------------------------

RUN_TARGETS = {"shell": "the instance shell", "aws": "the AWS CLI, on the lab's account"}
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})(.*)$")


def run_target(info: str) -> str | None:
    """The `run=` of a fence's info string (```sh run=shell -> "shell"), or None."""
    for word in info.split()[1:] if info.split() else []:
        if word.startswith("run="):
            return word[4:]
    return None


@dataclass(frozen=True)
class Fence:
    line: int  # the opening fence's line in the markdown (1-based)
    info: str
    code: str

    @property
    def run(self) -> str | None:
        return run_target(self.info)


def fences(markdown: str) -> list[Fence]:
    """The fenced code blocks of a markdown text, with their info strings."""
    found: list[Fence] = []
    opened: tuple[int, str, str] | None = None
    body: list[str] = []
    for number, line in enumerate(markdown.split("\n"), start=1):
        match = _FENCE.match(line)
        if opened is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                opened, body = (number, match.group(1), match.group(2).strip()), []
            continue
        if match and match.group(1)[0] == opened[1][0] and len(match.group(1)) >= \
                len(opened[1]) and not match.group(2).strip():
            found.append(Fence(opened[0], opened[2], "\n".join(body)))
            opened = None
        else:
            body.append(line)
    if opened is not None:
        found.append(Fence(opened[0], opened[2], "\n".join(body)))
    return found


_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def runnable_problems(markdown: str, panes: list[str] | None) -> list[tuple[int, str]]:
    """(line, message) for each bad runnable block of a step's (unrendered) content:
    an unknown `run=` target, a shell block on a step without the shell pane, an AWS CLI
    line that is not a plain call. Templates count as one word each."""
    problems: list[tuple[int, str]] = []
    for fence in fences(markdown):
        target = fence.run
        if target is None:
            if any(word.startswith("run") for word in fence.info.split()[1:]):
                problems.append((fence.line, f"{fence.info.split()[1]!r}: mark a runnable "
                                 "block with run=shell or run=aws"))
            continue
        if target not in RUN_TARGETS:
            problems.append((fence.line, f"unknown run target {target!r} in "
                             f"```{fence.info}; known: run=shell (the instance shell), "
                             "run=aws (the AWS CLI)"))
        elif target == "shell":
            if panes is not None and "shell" not in panes:
                problems.append((fence.line, "a run=shell block needs the step to show the "
                                 "shell pane (add shell to its panes)"))
            if not fence.code.strip():
                problems.append((fence.line, "the runnable block is empty"))
        else:
            code = _TEMPLATE.sub("TEMPLATE", fence.code)
            try:
                parse_block(code)
            except CliLineError as exc:
                problems.append((fence.line + exc.line, exc.message))
    return problems
