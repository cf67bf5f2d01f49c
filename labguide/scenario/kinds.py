"""Every kind of fact, check and pane, registered once, here.

A kind is its model (the fields a scenario writes, which the JSON Schema shows) and the
implementation that runs it, named as "module:attribute" and imported only by the layer
that runs it (`labguide.checks` for facts and checks, `labguide.tui` for panes), so this,
the lowest layer, imports none of them. Every implementation has one signature:

- fact:  run(spec, ctx) -> labguide.checks.Fact
- check: run(spec, ctx, step) -> labguide.checks.Verdict
- pane:  a labguide.tui.panes.base.Pane subclass, built as cls(session, spec=spec)

Adding a kind is adding its model class and one row to its table below.
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
    """A value read with one AWS call: `select` over the response; a list gives its first
    item, unless `list: true` keeps them all."""

    kind: Literal["aws"]
    description: Text
    call: AwsCall
    select: JmesPath
    as_list: bool = Field(
        default=False, alias="list",
        description="Keep every item the select gives: the fact is a list (e.g. every "
        "security group of an instance). A param that is exactly `{{ facts.NAME }}` "
        "passes it whole, as a list; in text it reads as the items joined by commas.",
        examples=[True])
    extract: str | None = Field(
        default=None, description="A regular expression with one group: the fact is that "
        "group of its first match in the selected text (or in the first list item that "
        "matches).", examples=[r"Accepted password for (\S+) from"])

    @model_validator(mode="after")
    def _list_or_extract(self) -> AwsFact:
        if self.as_list and self.extract is not None:
            raise ValueError("a fact is either a list or extracted from text, not both")
        return self

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


def fact_field(default: str | None = None, *kinds: str, description: str | None = None) -> Any:
    """A check field naming a fact (default: that fact's usual name), accepting facts of
    `kinds` only (any kind when none is given). CheckBase lists such fields itself."""
    extra = {"x-fact-kinds": list(kinds)} if kinds else {}
    described = {"description": description} if description else {}  # else FactName's
    return Field(... if default is None else default, **described,
                 json_schema_extra={**extra, "x-names-fact": True})


# The facts the special kinds read, each once: its usual name and the fact kinds it accepts.
DetectorFact = Annotated[FactName, fact_field("detector_id", "guardduty-detector")]
KeyFact = Annotated[FactName, fact_field("access_key_id", "finding-access-key")]
RoleFact = Annotated[FactName, fact_field("role_name", "finding-role")]
SinceFact = Annotated[FactName, fact_field("first_seen", "finding-first-seen")]
InstanceFact = Annotated[FactName, fact_field("instance_id", "finding-instance")]


class CheckBase(Strict):
    # Fields naming a fact (fact_field); validation requires the scenario to declare each
    # (defaults too). Filled from the fields by __pydantic_init_subclass__.
    # The fact kinds each of those fields accepts (a role name is no access key).
    # Fields holding templates over facts (checked by `labguide validate`).
    TEMPLATE_FIELDS: ClassVar[tuple[str, ...]] = ()

    id: Slug
    title: Text = Field(description="What the check looks for, in the learner's words.")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        extras = {name: info.json_schema_extra for name, info in cls.model_fields.items()
                  if isinstance(info.json_schema_extra, dict)
                  and info.json_schema_extra.get("x-names-fact")}
        cls.FACT_FIELDS = tuple(extras)
        cls.FACT_FIELD_KINDS = {name: frozenset(extra["x-fact-kinds"])
                                for name, extra in extras.items() if extra.get("x-fact-kinds")}


class AnswerCheck(CheckBase):
    """Settled by the learner's answer to one of the step's questions (manual when headless)."""

    kind: Literal["answer"]
    question: Slug = Field(description="The id of a question of the same step.")


class FilterOnKeyCheck(CheckBase):
    """A saved GuardDuty filter selects the compromised access key."""

    kind: Literal["guardduty-filter-on-key"]
    detector: DetectorFact
    key: KeyFact


class SessionsRevokedCheck(CheckBase):
    """The role denies everything to sessions issued before a moment after the theft."""

    kind: Literal["role-sessions-revoked"]
    role: RoleFact
    since: SinceFact


class InstanceRestartedCheck(CheckBase):
    """The instance is running and was started (not rebooted) after the revocation."""

    kind: Literal["instance-restarted"]
    instance: InstanceFact
    role: RoleFact
    since: SinceFact


class KeyRotatedCheck(CheckBase):
    """The instance's metadata credentials are new: another key, issued after the revocation."""

    kind: Literal["instance-key-rotated"]
    instance: InstanceFact
    role: RoleFact
    key: KeyFact
    since: SinceFact


class GuardDutyFilterCheck(CheckBase):
    """A saved GuardDuty filter (action NOOP) selects the findings whose `field` has the
    value of a fact, as GuardDuty itself lists them under the filter's criteria."""

    kind: Literal["guardduty-filter"]
    field: str = Field(description="A finding attribute, as FindingCriteria names it.",
                       examples=["resource.instanceDetails.instanceId"])
    value: FactName = fact_field(description="The fact whose value the filter must select.")
    detector: FactName = fact_field("detector_id")


class NetworkAclDeniesCheck(CheckBase):
    """The subnet's network ACL drops an address's inbound traffic with an entry aimed at it,
    numbered before any allow that matches (first match wins), not a deny of everyone."""

    kind: Literal["network-acl-denies"]
    subnet: FactName = fact_field(description="The fact holding the subnet id.")
    source: FactName = fact_field(description="The fact holding the address to block (IPv4 "
                                  "or IPv6).")
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

    TEMPLATE_FIELDS: ClassVar[tuple[str, ...]] = ("command", "expected", "expect")
    kind: Literal["instance-command"]
    instance: FactName = fact_field(description="The fact holding the instance id.")
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


class TableFilter(Strict):
    """What the learner types after `/` narrows the rows: passed to the call as one of its
    parameters (the service filters, as FilterLogEvents' filter pattern does), or, with no
    `param`, matched against the rows' cells as text (any case)."""

    param: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")] | None = Field(
        default=None, description="The call's parameter the typed text is sent as; it "
        "replaces that parameter's declared value while a filter is set.",
        examples=["filterPattern"])
    placeholder: Text | None = Field(
        default=None, description="What the empty filter bar says (what to type).",
        examples=['a CloudWatch Logs filter pattern, e.g. "Accepted password"'])


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
    filter: TableFilter | None = Field(
        default=None, description="A filter bar (`/`): the typed text as a call parameter, "
        "or a text filter over the rows.",
        examples=[{"param": "filterPattern"}, {}])

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

def registry(package: str, *rows: tuple[Any, ...]) -> dict[str, Kind]:
    """A registry from its table: rows of (name, model, "module:attribute" under `package`,
    and for panes the title)."""
    return {name: Kind(name, model, f"{package}.{where}", *title)
            for name, model, where, *title in rows}


FACT_REGISTRY = registry(
    "labguide.checks",
    ("guardduty-detector", FindingFact, "facts:detector_fact"),
    ("finding-access-key", FindingFact, "facts:access_key_fact"),
    ("finding-type", FindingFact, "facts:finding_type_fact"),
    ("finding-role", FindingFact, "facts:role_name_fact"),
    ("finding-role-arn", FindingFact, "facts:role_arn_fact"),
    ("finding-instance", FindingFact, "facts:instance_fact"),
    ("finding-first-seen", FindingFact, "facts:first_seen_fact"),
    ("instance-current-key", InstanceKeyFact, "facts:current_key_fact"),
    ("aws", AwsFact, "kinds.aws:fact"),
)
CHECK_REGISTRY = registry(
    "labguide.checks.kinds",
    ("answer", AnswerCheck, "answer:run"),
    ("guardduty-filter-on-key", FilterOnKeyCheck, "filter_on_key:run"),
    ("role-sessions-revoked", SessionsRevokedCheck, "sessions_revoked:run"),
    ("instance-restarted", InstanceRestartedCheck, "instance_restarted:run"),
    ("instance-key-rotated", KeyRotatedCheck, "key_rotated:run"),
    ("aws", AwsCheck, "aws:run"),
    ("instance-command", InstanceCommandCheck, "instance_command:run"),
    ("guardduty-filter", GuardDutyFilterCheck, "guardduty_filter:run"),
    ("network-acl-denies", NetworkAclDeniesCheck, "network_acl_denies:run"),
)
PANE_REGISTRY = registry(
    "labguide.tui.panes",
    ("alerts", None, "alerts:AlertsPane", "E-mail alerts"),
    ("findings", None, "findings:FindingsPane", "GuardDuty findings"),
    ("role", None, "role:RolePane", "IAM role"),
    ("instance", None, "instance:InstancePane", "EC2 instance"),
    ("shell", None, "shell:ShellPane", "Instance shell"),
    ("attacker", None, "attacker:AttackerPane", "Attacker"),
    ("cloudtrail", None, "cloudtrail:CloudTrailPane", "CloudTrail events"),
    ("table", TablePane, "table:TablePane"),
)
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
