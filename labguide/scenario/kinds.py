"""Every kind of fact, check and pane, registered once, here.

A kind is its model (the fields a scenario writes, which the JSON Schema shows) and the
implementation that runs it, named as "module:attribute" and imported only by the layer
that runs it (`labguide.checks` for facts and checks, `labguide.tui` for panes), so this,
the lowest layer, imports none of them. Every implementation has one signature:

- fact:  run(spec, ctx) -> labguide.checks.Fact
- check: run(spec, ctx, step) -> labguide.checks.Verdict
- pane:  a labguide.tui.panes.base.Pane subclass, built as cls(session, spec=spec)

Adding a kind is adding its model class and one `Kind` line below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Union

import jmespath
from pydantic import Field, field_validator, model_validator

from labguide.scenario.types import FactName, Slug, Strict, Text


@dataclass(frozen=True)
class Kind:
    name: str
    model: type | None  # None: a built-in pane that takes no settings
    run: str  # "module:attribute"
    title: str = ""  # panes: the title shown above it


def _jmespath(value: str) -> str:
    try:
        jmespath.compile(value)
    except jmespath.exceptions.JMESPathError as exc:
        raise ValueError(f"invalid JMESPath expression {value!r}: {exc}") from None
    return value


JmesPath = Annotated[str, Field(min_length=1, description="A JMESPath expression "
                                "(https://jmespath.org) over the response.",
                                examples=["Reservations[].Instances[].InstanceId"])]


# ----- an AWS call, shared by the aws fact and check kinds and the table pane ------------------


class AwsCall(Strict):
    """One read call through boto3: every page of it when the operation pages."""

    service: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", examples=["ec2"])]
    operation: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$",
                                    examples=["DescribeInstances"])]
    params: dict[str, Any] = Field(
        default_factory=dict, description="API parameters as boto3 takes them; every string "
        "is a sandboxed Jinja template over `facts` and `region` (and `row` in row actions).",
        examples=[{"InstanceIds": ["{{ facts.instance_id }}"]}])


class Count(Strict):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


EXPECT_KEYS = ("exists", "empty", "equals", "contains", "matches", "count", "all", "any")


class Expectation(Strict):
    """What the selected value must be: exactly one of the keys."""

    exists: Literal[True] | None = Field(default=None, description="Not null, not empty.")
    empty: Literal[True] | None = Field(default=None, description="Null or empty.")
    equals: Any = Field(default=None, description="Equal to this (a template over facts).")
    contains: Any = Field(default=None, description="A list holding this item, or a text "
                          "holding this text (a template over facts).")
    matches: str | None = Field(default=None, description="Text fully matching this regular "
                                "expression (or, for a list, some item does).")
    count: Count | None = Field(default=None, description="A list of min..max items.")
    all: Expectation | None = Field(default=None, description="Every item of the list meets "
                                    "this (an empty list does not).")
    any: Expectation | None = Field(default=None, description="Some item of the list meets this.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Expectation:
        given = [key for key in EXPECT_KEYS if key in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(f"an expectation needs exactly one of {', '.join(EXPECT_KEYS)}"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.matches is not None:
            from labguide.scenario.patterns import compile_pattern

            compile_pattern(self.matches, False, True)  # PatternError says why not
        return self

    @property
    def key(self) -> str:
        return next(key for key in EXPECT_KEYS if key in self.model_fields_set)


# ----- facts --------------------------------------------------------------------------------


class FindingFact(Strict):
    """A value read from the newest GuardDuty finding of a type (or from the detector)."""

    kind: Literal["guardduty-detector", "finding-access-key", "finding-role",
                  "finding-role-arn", "finding-instance", "finding-first-seen", "finding-type"]
    description: Text = Field(
        description="What the value is, in the learner's words; also its placeholder text.",
        examples=["the access key id the attacker uses"])
    finding_type: str | None = Field(
        default=None, description="The GuardDuty finding type the fact is read from.",
        examples=["UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"])
    name_tag: str | None = Field(
        default=None,
        description="An EC2 Name tag that identifies an instance when no finding does.")


class InstanceKeyFact(Strict):
    """The AccessKeyId an instance holds now (IMDSv2 through SSM Run Command), read only
    when, and as, the instance-key-rotated check reads it."""

    kind: Literal["instance-current-key"]
    description: Text
    instance: FactName | None = Field(
        default=None, description="The fact naming the instance (instance_id).")
    role: FactName | None = Field(
        default=None, description="The fact naming its role (role_name).")
    key: FactName | None = Field(
        default=None, description="The fact of the stolen key (access_key_id).")
    since: FactName | None = Field(
        default=None, description="The fact of when the key was stolen (first_seen); an "
        "instance not started since still holds that session.")


class AwsFact(Strict):
    """A value read with one AWS call: `select` over the response; a list gives its first item."""

    kind: Literal["aws"]
    description: Text
    call: AwsCall
    select: JmesPath
    extract: str | None = Field(
        default=None, description="A regular expression with one group: the fact is that "
        "group of its first match in the selected text (or in the first list item that "
        "matches).", examples=[r"Accepted password for (\S+) from"])

    @field_validator("extract")
    @classmethod
    def _one_group(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        if compiled.groups != 1:
            raise ValueError("extract needs exactly one group, (...), holding the value")
        return value

    @field_validator("select")
    @classmethod
    def _valid_select(cls, value: str) -> str:
        return _jmespath(value)


# ----- checks -------------------------------------------------------------------------------


class CheckBase(Strict):
    # Fields naming a fact; validation requires the scenario to declare each (defaults too).
    FACT_FIELDS: ClassVar[tuple[str, ...]] = ()
    # The fact kinds each of those fields accepts (a role name is no access key).
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {}
    # Fields holding templates over facts (checked by `labguide validate`).
    TEMPLATE_FIELDS: ClassVar[tuple[str, ...]] = ()

    id: Slug
    title: Text = Field(description="What the check looks for, in the learner's words.")


class AnswerCheck(CheckBase):
    """Settled by the learner's answer to one of the step's questions (manual when headless)."""

    kind: Literal["answer"]
    question: Slug = Field(description="The id of a question of the same step.")


class FilterOnKeyCheck(CheckBase):
    """A saved GuardDuty filter selects the compromised access key."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("detector", "key")
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "detector": frozenset({"guardduty-detector"}), "key": frozenset({"finding-access-key"})}
    kind: Literal["guardduty-filter-on-key"]
    detector: FactName = "detector_id"
    key: FactName = "access_key_id"


class SessionsRevokedCheck(CheckBase):
    """The role denies everything to sessions issued before a moment after the theft."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("role", "since")
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "role": frozenset({"finding-role"}), "since": frozenset({"finding-first-seen"})}
    kind: Literal["role-sessions-revoked"]
    role: FactName = "role_name"
    since: FactName = "first_seen"


class InstanceRestartedCheck(CheckBase):
    """The instance is running and was started (not rebooted) after the revocation."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("instance", "role", "since")
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "instance": frozenset({"finding-instance"}), "role": frozenset({"finding-role"}),
        "since": frozenset({"finding-first-seen"})}
    kind: Literal["instance-restarted"]
    instance: FactName = "instance_id"
    role: FactName = "role_name"
    since: FactName = "first_seen"


class KeyRotatedCheck(CheckBase):
    """The instance's metadata credentials are new: another key, issued after the revocation."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("instance", "role", "key", "since")
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "instance": frozenset({"finding-instance"}), "role": frozenset({"finding-role"}),
        "key": frozenset({"finding-access-key"}), "since": frozenset({"finding-first-seen"})}
    kind: Literal["instance-key-rotated"]
    instance: FactName = "instance_id"
    role: FactName = "role_name"
    key: FactName = "access_key_id"
    since: FactName = "first_seen"


class GuardDutyFilterCheck(CheckBase):
    """A saved GuardDuty filter (action NOOP) selects the findings whose `field` has the
    value of a fact, as GuardDuty itself lists them under the filter's criteria."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("detector", "value")
    kind: Literal["guardduty-filter"]
    field: str = Field(description="A finding attribute, as FindingCriteria names it.",
                       examples=["resource.instanceDetails.instanceId"])
    value: FactName = Field(description="The fact whose value the filter must select.")
    detector: FactName = "detector_id"


class NetworkAclDeniesCheck(CheckBase):
    """The subnet's network ACL drops an address's inbound traffic with an entry aimed at it,
    numbered before any allow that matches (first match wins), not a deny of everyone."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("subnet", "source")
    kind: Literal["network-acl-denies"]
    subnet: FactName = Field(description="The fact holding the subnet id.")
    source: FactName = Field(description="The fact holding the address to block (IPv4 or IPv6).")
    protocol: str = Field(default="tcp", description="The traffic judged: tcp, udp, icmp, a "
                          "number, or -1.", examples=["tcp"])
    port: int | None = Field(default=None, ge=0, le=65535, description="The destination "
                             "port judged (TCP/UDP); none: any port.", examples=[22])


class AwsCheck(CheckBase):
    """One AWS read call, a JMESPath `select` over its response and an expectation on it."""

    TEMPLATE_FIELDS: ClassVar[tuple[str, ...]] = ("call", "expected", "expect")
    kind: Literal["aws"]
    call: AwsCall
    select: JmesPath
    expect: Expectation
    expected: Text = Field(description="What must hold, in the learner's words (a template "
                           "over facts).",
                           examples=["tag quarantine=true on {{ facts.instance_id }}"])

    @field_validator("select")
    @classmethod
    def _valid_select(cls, value: str) -> str:
        return _jmespath(value)


class InstanceCommandCheck(CheckBase):
    """A shell command run on an instance through SSM Run Command (AWS-RunShellScript), and
    an expectation on its output: the text, or with `select` a JMESPath over it as JSON.
    Run Command is a change: on a real account it runs only when changes are allowed."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("instance",)
    TEMPLATE_FIELDS: ClassVar[tuple[str, ...]] = ("command", "expected", "expect")
    kind: Literal["instance-command"]
    instance: FactName = Field(description="The fact holding the instance id.")
    command: Text = Field(description="Shell commands (a template over facts).",
                          examples=["grep -i '^PasswordAuthentication' /etc/ssh/sshd_config"])
    select: JmesPath | None = Field(default=None, description="Read the output as JSON and "
                                    "select from it; without it the expectation sees the text.")
    expect: Expectation
    expected: Text

    @field_validator("select")
    @classmethod
    def _valid_select(cls, value: str | None) -> str | None:
        return None if value is None else _jmespath(value)


# ----- panes --------------------------------------------------------------------------------


class RowAction(Strict):
    """An AWS operation on the selected row, confirmed first, with its AWS CLI equivalent."""

    key: Annotated[str, Field(pattern=r"^[a-z0-9]$", description="The key that runs it.",
                              examples=["d"])]
    title: Text = Field(examples=["Delete the rule"])
    call: AwsCall = Field(description="Its params are templates over `facts`, `region` and "
                          "`row` (the selected row's item).")
    confirm: Text = Field(description="The question asked before it runs (a template).",
                          examples=["Delete rule {{ row.RuleNumber }}?"])


class TablePane(Strict):
    """A live table: one AWS read call, its rows, their columns, the selected row as JSON."""

    kind: Literal["table"]
    title: Text = Field(examples=["Network ACL entries"])
    call: AwsCall
    rows: JmesPath = Field(description="Selects the list of rows from the response.",
                           examples=["NetworkAcls[].Entries[]"])
    columns: dict[str, JmesPath] = Field(
        min_length=1, description="Column title -> JMESPath over one row.",
        examples=[{"Rule": "RuleNumber", "Action": "RuleAction", "CIDR": "CidrBlock"}])
    key: JmesPath | None = Field(default=None, description="What identifies a row (default: "
                                 "all its columns).")
    actions: list[RowAction] = Field(default_factory=list)

    @field_validator("rows", "key")
    @classmethod
    def _valid_path(cls, value: str | None) -> str | None:
        return None if value is None else _jmespath(value)

    @field_validator("columns")
    @classmethod
    def _valid_columns(cls, value: dict[str, str]) -> dict[str, str]:
        for path in value.values():
            _jmespath(path)
        return value


# ----- the registry -------------------------------------------------------------------------

_FINDING = "labguide.checks.facts"
FACT_REGISTRY: dict[str, Kind] = {k.name: k for k in (
    Kind("guardduty-detector", FindingFact, f"{_FINDING}:detector_fact"),
    Kind("finding-access-key", FindingFact, f"{_FINDING}:access_key_fact"),
    Kind("finding-type", FindingFact, f"{_FINDING}:finding_type_fact"),
    Kind("finding-role", FindingFact, f"{_FINDING}:role_name_fact"),
    Kind("finding-role-arn", FindingFact, f"{_FINDING}:role_arn_fact"),
    Kind("finding-instance", FindingFact, f"{_FINDING}:instance_fact"),
    Kind("finding-first-seen", FindingFact, f"{_FINDING}:first_seen_fact"),
    Kind("instance-current-key", InstanceKeyFact, f"{_FINDING}:current_key_fact"),
    Kind("aws", AwsFact, "labguide.checks.kinds.aws:fact"),
)}

_CHECKS = "labguide.checks.kinds"
CHECK_REGISTRY: dict[str, Kind] = {k.name: k for k in (
    Kind("answer", AnswerCheck, f"{_CHECKS}.answer:run"),
    Kind("guardduty-filter-on-key", FilterOnKeyCheck, f"{_CHECKS}.filter_on_key:run"),
    Kind("role-sessions-revoked", SessionsRevokedCheck, f"{_CHECKS}.sessions_revoked:run"),
    Kind("instance-restarted", InstanceRestartedCheck, f"{_CHECKS}.instance_restarted:run"),
    Kind("instance-key-rotated", KeyRotatedCheck, f"{_CHECKS}.key_rotated:run"),
    Kind("aws", AwsCheck, f"{_CHECKS}.aws:run"),
    Kind("instance-command", InstanceCommandCheck, f"{_CHECKS}.instance_command:run"),
    Kind("guardduty-filter", GuardDutyFilterCheck, f"{_CHECKS}.guardduty_filter:run"),
    Kind("network-acl-denies", NetworkAclDeniesCheck, f"{_CHECKS}.network_acl_denies:run"),
)}

_PANES = "labguide.tui.panes"
PANE_REGISTRY: dict[str, Kind] = {k.name: k for k in (
    Kind("alerts", None, f"{_PANES}.alerts:AlertsPane", "E-mail alerts"),
    Kind("findings", None, f"{_PANES}.findings:FindingsPane", "GuardDuty findings"),
    Kind("role", None, f"{_PANES}.role:RolePane", "IAM role"),
    Kind("instance", None, f"{_PANES}.instance:InstancePane", "EC2 instance"),
    Kind("shell", None, f"{_PANES}.shell:ShellPane", "Instance shell"),
    Kind("attacker", None, f"{_PANES}.attacker:AttackerPane", "Attacker"),
    Kind("cloudtrail", None, f"{_PANES}.cloudtrail:CloudTrailPane", "CloudTrail events"),
    Kind("table", TablePane, f"{_PANES}.table:TablePane"),
)}
# Panes a step names directly; `table` panes are declared under the scenario's `panes`.
BUILTIN_PANES: frozenset[str] = frozenset(n for n, k in PANE_REGISTRY.items() if k.model is None)


def _literal_names(model: type) -> set[str]:
    return set(model.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]


for _registry in (FACT_REGISTRY, CHECK_REGISTRY, PANE_REGISTRY):
    for _kind in _registry.values():  # each model's `kind` admits the name it is registered as
        if _kind.model is not None and _kind.name not in _literal_names(_kind.model):
            raise RuntimeError(f"kind {_kind.name!r}: its model {_kind.model.__name__} "
                               "does not admit that kind")


def _models(registry: dict[str, Kind]) -> tuple[type, ...]:
    return tuple(dict.fromkeys(k.model for k in registry.values() if k.model is not None))


# The unions a scenario's facts, checks and declared panes validate against, by `kind`.
FACT_MODELS = _models(FACT_REGISTRY)
CHECK_MODELS = _models(CHECK_REGISTRY)
PANE_MODELS = _models(PANE_REGISTRY)
FactSpec = Annotated[Union[FACT_MODELS], Field(discriminator="kind")]  # noqa: UP007
CheckSpec = Annotated[Union[CHECK_MODELS], Field(discriminator="kind")]  # noqa: UP007
PaneSpec: Any = (PANE_MODELS[0] if len(PANE_MODELS) == 1
                 else Annotated[Union[PANE_MODELS], Field(discriminator="kind")])  # noqa: UP007
# kind name -> model, for error messages
CHECK_CLASSES: dict[str, type] = {n: k.model for n, k in CHECK_REGISTRY.items() if k.model}


def implementation(kind: Kind) -> Any:
    """The kind's implementation, imported now (by the layer that runs it)."""
    import importlib

    module, _, attribute = kind.run.partition(":")
    return getattr(importlib.import_module(module), attribute)
