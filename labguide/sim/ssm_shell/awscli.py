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

import threading
from datetime import datetime
from typing import Any

from labguide.scenario import aws_cli

CLI_ERROR_STATUS = 255  # AWS CLI v1's status for a service error
_USAGE = aws_cli.USAGE
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
        operation = aws_cli.operation_name(model, cli_operation)
        if operation is None:
            return "", (_USAGE + f"aws: error: argument operation: Invalid choice: "
                        f"'{cli_operation}'\n"), 2
        params, problem = aws_cli.parameters(model.operation_model(operation).input_shape, args,
                                             service, operation)
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
        return aws_cli.render(answer, options), "", 0

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


def _global_options(args: list[str]) -> tuple[dict[str, str], list[str], str]:
    options, rest, problem = aws_cli.global_options(args)
    if not problem and options.get("output", "json") not in ("json", "text"):
        return {}, [], f"aws: this instance's CLI prints json or text, not {options['output']}\n"
    return options, rest, problem
