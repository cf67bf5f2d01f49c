"""The `aws` command on the simulated instance: AWS CLI v1 (as Amazon Linux 2 ships it).

It signs with the credentials the CLI would find on the instance: AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in the shell's environment, else the instance
profile's current credentials from IMDS. Requests go to the account's moto backends
in-process (botocore's before-send handed to moto's BotocoreStubber), so IAM judges
them, CloudTrail records them from the instance's address, and the learner sees a
rotated key work and a revoked one fail, as on the instance.

Supported: `aws [--region R] [--output json|text] [--query Q] SERVICE OPERATION
[--param value...]` for any service moto serves (parameters by their CLI names, list
parameters as several values, structures as JSON), and `aws s3 ls [s3://BUCKET[/PREFIX]]`.
Errors are written as CLI v1 writes them, exit status 255.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

CLI_ERROR_STATUS = 255  # AWS CLI v1's status for a service error
_USAGE = ("usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
          "To see help text, you can run:\n\n  aws help\n  aws <command> help\n"
          "  aws <command> <subcommand> help\n")
_session_lock = threading.Lock()
_session: Any = None


def _botocore_session() -> Any:
    global _session
    with _session_lock:
        if _session is None:
            import botocore.session

            _session = botocore.session.get_session()
        return _session


def _stubber() -> Any:
    from moto.core.botocore_stubber import BotocoreStubber

    stubber = BotocoreStubber()
    stubber.enabled = True
    return stubber


class InstanceCli:
    """`aws` inside one instance: its Region, its address, and where its credentials are."""

    def __init__(self, *, region: str, source_ip: str, user_agent: str,
                 credentials: dict[str, str] | None):
        self.region = region
        self.source_ip = source_ip
        self.user_agent = user_agent
        self.credentials = credentials  # the IMDS document, or None without a role

    def __call__(self, shell: Any, args: list[str]) -> tuple[str, str, int]:
        options, rest, problem = _global_options(args)
        if problem:
            return "", problem, 2
        if len(rest) < 2:
            return "", _USAGE + "aws: error: the following arguments are required: "\
                "operation\n" if rest else _USAGE, 2
        keys = self._keys(shell.variables)
        if keys is None:
            return "", "Unable to locate credentials. You can configure credentials by " \
                "running \"aws configure\".\n", CLI_ERROR_STATUS
        region = options.get("region") or shell.variables.get("AWS_DEFAULT_REGION") \
            or shell.variables.get("AWS_REGION") or self.region
        service, operation, params = rest[0], rest[1], rest[2:]
        if service == "s3" and operation == "ls":
            return self._s3_ls(keys, region, params)
        return self._call(keys, region, service, operation, params, options)

    def _keys(self, variables: dict[str, str]) -> tuple[str, str, str | None] | None:
        if variables.get("AWS_ACCESS_KEY_ID") and variables.get("AWS_SECRET_ACCESS_KEY"):
            return (variables["AWS_ACCESS_KEY_ID"], variables["AWS_SECRET_ACCESS_KEY"],
                    variables.get("AWS_SESSION_TOKEN"))
        if self.credentials is None:
            return None
        return (self.credentials["AccessKeyId"], self.credentials["SecretAccessKey"],
                self.credentials["Token"])

    def client(self, keys: tuple[str, str, str | None], region: str, service: str) -> Any:
        from botocore.config import Config

        session = _botocore_session()
        with _session_lock:
            client = session.create_client(
                service, region_name=region, aws_access_key_id=keys[0],
                aws_secret_access_key=keys[1], aws_session_token=keys[2],
                config=Config(user_agent=self.user_agent, retries={"max_attempts": 1}))
        client.meta.events.register_first("before-send", _stubber())
        return client

    def _invoke(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        from labguide.sim.cloudtrail.recorder import calls_from

        with calls_from(self.source_ip, self.user_agent):
            return getattr(client, _snake(operation))(**params)

    def _call(self, keys: tuple[str, str, str | None], region: str, service: str,
              cli_operation: str, args: list[str], options: dict[str, str]
              ) -> tuple[str, str, int]:
        from botocore.exceptions import ClientError, ParamValidationError, UnknownServiceError

        try:
            client = self.client(keys, region, service)
        except UnknownServiceError:
            return "", _USAGE + f"aws: error: argument command: Invalid choice: '{service}'\n", 2
        model = client.meta.service_model
        by_cli = {_kebab(name): name for name in model.operation_names}
        operation = by_cli.get(cli_operation)
        if operation is None:
            return "", (_USAGE + f"aws: error: argument operation: Invalid choice: "
                        f"'{cli_operation}'\n"), 2
        params, problem = _parameters(model.operation_model(operation).input_shape, args)
        if problem:
            return "", problem, 2
        try:
            answer = self._invoke(client, operation, params)
        except ClientError as error:
            detail = error.response.get("Error", {})
            return "", (f"\nAn error occurred ({detail.get('Code', 'Unknown')}) when calling "
                        f"the {operation} operation: {detail.get('Message', '')}\n"), \
                CLI_ERROR_STATUS
        except ParamValidationError as error:
            return "", f"\nParameter validation failed:\n{error.kwargs.get('report', error)}\n", \
                CLI_ERROR_STATUS
        answer.pop("ResponseMetadata", None)
        return _render(answer, options), "", 0

    def _s3_ls(self, keys: tuple[str, str, str | None], region: str,
               args: list[str]) -> tuple[str, str, int]:
        from botocore.exceptions import ClientError

        client = self.client(keys, region, "s3")
        target = next((a for a in args if a.startswith("s3://")), None)
        try:
            if target is None:
                answer = self._invoke(client, "ListBuckets", {})
                return "".join(f"{_stamp(b['CreationDate'])} {b['Name']}\n"
                               for b in answer.get("Buckets", [])), "", 0
            bucket, _, prefix = target[5:].partition("/")
            answer = self._invoke(client, "ListObjectsV2",
                                  {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"})
        except ClientError as error:
            detail = error.response.get("Error", {})
            operation = "ListBuckets" if target is None else "ListObjectsV2"
            return "", (f"\nAn error occurred ({detail.get('Code', 'Unknown')}) when calling "
                        f"the {operation} operation: {detail.get('Message', '')}\n"), \
                CLI_ERROR_STATUS
        lines = [f"{'PRE':>30} {p['Prefix'][len(prefix):]}\n"
                 for p in answer.get("CommonPrefixes", [])]
        lines += [f"{_stamp(o['LastModified'])} {o['Size']:>10} {o['Key'][len(prefix):]}\n"
                  for o in answer.get("Contents", [])]
        return "".join(lines), "", 0 if lines else 1


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def _kebab(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation, "-")


def _global_options(args: list[str]) -> tuple[dict[str, str], list[str], str]:
    options: dict[str, str] = {}
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        name = arg[2:] if arg.startswith("--") else None
        if name in ("region", "output", "query", "profile", "endpoint-url"):
            if index >= len(args):
                return {}, [], _USAGE + f"aws: error: argument --{name}: expected one argument\n"
            options[name] = args[index]
            index += 1
        elif name in ("no-cli-pager", "no-paginate", "debug", "no-verify-ssl"):
            continue
        else:
            rest.append(arg)
    if options.get("output", "json") not in ("json", "text"):
        return {}, [], f"aws: this instance's CLI prints json or text, not {options['output']}\n"
    return options, rest, ""


def _parameters(shape: Any, args: list[str]) -> tuple[dict[str, Any], str]:
    """CLI arguments (--instance-ids a b, --dry-run, --filters '[...]') as API parameters."""
    members = dict(shape.members) if shape is not None else {}
    by_cli = {_kebab(name): name for name in members}
    params: dict[str, Any] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("--"):
            return {}, f"Unknown options: {arg}\n"
        name = arg[2:]
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


def _render(answer: Any, options: dict[str, str]) -> str:
    query = options.get("query")
    if query:
        import jmespath

        answer = jmespath.search(query, answer)
    if options.get("output") == "text":
        return _text(answer)
    return json.dumps(answer, indent=4, default=_json_default, ensure_ascii=False) + "\n"


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


def _scalar(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
