"""The typed model of a scenario file.

A scenario is data: the YAML file is validated into these frozen models and
nothing else is trusted. The JSON Schema that `labguide schema` prints is
generated from here, so editors and the loader agree on one definition.
Cross-references (fact names, question ids, content files, templates) are
checked by `labguide.scenario.semantics`, which needs the whole file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from labguide.scenario.names import FACT_KINDS, PANE_NAMES, WORLD_NAMES

SLUG = r"^[a-z0-9][a-z0-9-]*$"
FACT_NAME = r"^[a-z][a-z0-9_]*$"

Slug = Annotated[
    str,
    Field(
        pattern=SLUG, min_length=1, max_length=64,
        description="Lowercase letters, digits and dashes, e.g. filter-key.",
    ),
]
FactName = Annotated[
    str,
    Field(
        pattern=FACT_NAME, min_length=1, max_length=64,
        description="The name of a fact declared under the scenario's `facts`, e.g. role_name.",
    ),
]
Text = Annotated[str, Field(min_length=1)]


def _one_of(kind: str, known: frozenset[str]):
    """A validator that names the unknown value and lists the known ones."""

    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown {kind} {value!r}; known: {', '.join(sorted(known))}")
        return value

    return AfterValidator(check)


WorldName = Annotated[
    str, _one_of("world", WORLD_NAMES), Field(json_schema_extra={"enum": sorted(WORLD_NAMES)})
]
FactKind = Annotated[
    str, _one_of("fact kind", FACT_KINDS), Field(json_schema_extra={"enum": sorted(FACT_KINDS)})
]
PaneName = Annotated[
    str, _one_of("pane", PANE_NAMES), Field(json_schema_extra={"enum": sorted(PANE_NAMES)})
]


class Strict(BaseModel):
    """Every model rejects unknown keys and is immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class WorldRef(Strict):
    """Which simulated world to build for this scenario, and its parameters."""

    name: WorldName = Field(
        description="A world the simulator knows.", examples=["iam-credential-theft"]
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters of the world (names, timings); also `params` in templates.",
    )


class FactSpec(Strict):
    """A value discovered from the account itself, never written into the scenario."""

    kind: FactKind = Field(description="How the value is discovered (see labguide.checks.facts).")
    description: Text = Field(
        description="What the value is, in the learner's words; also its placeholder text.",
        examples=["the access key id the attacker uses"],
    )
    finding_type: str | None = Field(
        default=None,
        description="The GuardDuty finding type the fact is read from.",
        examples=["UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"],
    )
    name_tag: str | None = Field(
        default=None,
        description="An EC2 Name tag that identifies an instance when no finding does.",
    )
    instance: FactName | None = Field(
        default=None,
        description="For instance-current-key: the fact naming the instance (instance_id).",
    )
    role: FactName | None = Field(
        default=None,
        description="For instance-current-key: the fact naming its role (role_name).",
    )
    key: FactName | None = Field(
        default=None,
        description="For instance-current-key: the fact of the stolen key (access_key_id).",
    )
    since: FactName | None = Field(
        default=None,
        description="For instance-current-key: the fact of when the key was stolen "
                    "(first_seen); an instance not started since still holds that session.",
    )


# ----- answers -------------------------------------------------------------------------------


class FactAnswer(Strict):
    """The answer must equal (case-insensitively, trimmed) the value of one of these facts."""

    fact: FactName | list[FactName] = Field(examples=["role_name", ["role_name", "role_arn"]])

    @field_validator("fact", mode="wrap")
    @classmethod
    def _one_problem(cls, value: Any, handler: Any) -> Any:
        # A union reports one error per branch; the author needs one line that says what fits.
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(
                "expected a fact name or a list of fact names (lowercase letters, digits and "
                "underscores, starting with a letter)"
            ) from None

    @property
    def fact_names(self) -> list[str]:
        return [self.fact] if isinstance(self.fact, str) else list(self.fact)


class ChoiceAnswer(Strict):
    """The answer is picked from choices; any of `correct` is right."""

    choices: list[Text] = Field(min_length=2)
    correct: list[Text] = Field(min_length=1, description="Each must be one of `choices`.")


class PatternAnswer(Strict):
    """The answer must fully match a regular expression (case-insensitive)."""

    pattern: Text = Field(examples=["stop.*start"])

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value


ANSWER_TAGS: tuple[str, ...] = ("fact", "choices", "pattern")


def _answer_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ANSWER_TAGS:
            if key in value:
                return key
        return None
    for key, cls in (("fact", FactAnswer), ("choices", ChoiceAnswer), ("pattern", PatternAnswer)):
        if isinstance(value, cls):
            return key
    return None


AnswerExpectation = Annotated[
    Annotated[FactAnswer, Tag("fact")]
    | Annotated[ChoiceAnswer, Tag("choices")]
    | Annotated[PatternAnswer, Tag("pattern")],
    Discriminator(
        _answer_tag,
        custom_error_type="answer_kind",
        custom_error_message="an expected answer needs one of the keys fact, choices or pattern",
    ),
]


class Question(Strict):
    """A tip question: asked, hinted at in order, with a model answer behind a reveal."""

    id: Slug
    question: Text = Field(description="Markdown; the question as the learner sees it.")
    hints: list[Text] = Field(
        default_factory=list, description="Shown one at a time, in order, when asked for."
    )
    answer: Text = Field(description="The model answer, shown only when the learner asks.")
    expect: AnswerExpectation | None = Field(
        default=None,
        description="When set, the learner's typed answer is checked: one of the keys "
        "fact, choices or pattern.",
    )


# ----- checks --------------------------------------------------------------------------------


class _CheckBase(Strict):
    # Fields naming a fact; validation requires the scenario to declare each (defaults too).
    FACT_FIELDS: ClassVar[tuple[str, ...]] = ()
    # The fact kinds each of those fields accepts (a role name is no access key).
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {}

    id: Slug
    title: Text = Field(description="What the check looks for, in the learner's words.")


class AnswerCheck(_CheckBase):
    """Settled by the learner's answer to one of the step's questions (manual when headless)."""

    kind: Literal["answer"]
    question: Slug = Field(description="The id of a question of the same step.")


class FilterOnKeyCheck(_CheckBase):
    """A saved GuardDuty filter selects the compromised access key."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("detector", "key")
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "detector": frozenset({"guardduty-detector"}), "key": frozenset({"finding-access-key"})}
    kind: Literal["guardduty-filter-on-key"]
    detector: FactName = "detector_id"
    key: FactName = "access_key_id"


class SessionsRevokedCheck(_CheckBase):
    """The role denies everything to sessions issued before a moment after the theft."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("role", "since")
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "role": frozenset({"finding-role"}), "since": frozenset({"finding-first-seen"})}
    kind: Literal["role-sessions-revoked"]
    role: FactName = "role_name"
    since: FactName = "first_seen"


class InstanceRestartedCheck(_CheckBase):
    """The instance is running and was started (not rebooted) after the revocation."""

    FACT_FIELDS: ClassVar[tuple[str, ...]] = ("instance", "role", "since")
    FACT_FIELD_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "instance": frozenset({"finding-instance"}), "role": frozenset({"finding-role"}),
        "since": frozenset({"finding-first-seen"})}
    kind: Literal["instance-restarted"]
    instance: FactName = "instance_id"
    role: FactName = "role_name"
    since: FactName = "first_seen"


class KeyRotatedCheck(_CheckBase):
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


CHECK_CLASSES: dict[str, type[_CheckBase]] = {
    cls.model_fields["kind"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in (AnswerCheck, FilterOnKeyCheck, SessionsRevokedCheck, InstanceRestartedCheck,
                KeyRotatedCheck)
}

CheckSpec = Annotated[
    AnswerCheck
    | FilterOnKeyCheck
    | SessionsRevokedCheck
    | InstanceRestartedCheck
    | KeyRotatedCheck,
    Field(discriminator="kind"),
]


# ----- solutions -----------------------------------------------------------------------------


class WaiterSpec(Strict):
    """A boto3 waiter to run after the operation, e.g. instance_stopped."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", examples=["instance_stopped"])]
    params: dict[str, Any] = Field(
        default_factory=dict, description="Waiter arguments; strings are Jinja templates."
    )


class Operation(Strict):
    """One AWS API call of a solution; strings in params are Jinja templates over facts."""

    service: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", examples=["iam", "ec2"])]
    operation: Annotated[
        str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$", examples=["PutRolePolicy", "StopInstances"])
    ]
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="API parameters as boto3 takes them. Every string is a sandboxed Jinja "
        "template over `facts`, `results`, `now` (ISO-8601 UTC) and `region`.",
        examples=[{"InstanceIds": ["{{ facts.instance_id }}"]}],
    )
    waiter: WaiterSpec | None = None
    save_as: FactName | None = Field(
        default=None, description="Keep the response under this name for later operations."
    )
    description: str | None = Field(default=None, description="What the call does and why.")


# ----- steps and the scenario ----------------------------------------------------------------


class Step(Strict):
    """One stage of the exercise: instructions, live panes, questions, checks and a solution."""

    id: Slug
    title: Text
    content: Text = Field(
        description="Markdown file (a Jinja template), relative to the scenario's content "
        "folder `content/<scenario id>/`; it may not leave that folder.",
        examples=["01-alert.md"],
    )
    panes: list[PaneName] = Field(
        default_factory=list, description="Live panes shown beside the instructions."
    )
    questions: list[Question] = Field(default_factory=list)
    checks: list[CheckSpec] = Field(
        default_factory=list, description="What must hold in the account for the step to pass."
    )
    solve: list[Operation] = Field(
        default_factory=list, description="The AWS calls that complete the step (`labguide solve`)."
    )


class Scenario(Strict):
    """A whole exercise: its world, the facts it discovers, its steps and its closing text."""

    id: Slug = Field(examples=["compromised-iam-credentials"])
    title: Text
    summary: Text
    region: Annotated[
        str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", examples=["ap-southeast-2"])
    ]
    world: WorldRef
    facts: dict[FactName, FactSpec] = Field(
        default_factory=dict, description="Values the checks discover from the account, by name."
    )
    steps: list[Step] = Field(min_length=1)
    finish: Text = Field(description="Markdown (a Jinja template) shown when every step is done.")

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]
