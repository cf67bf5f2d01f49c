"""The typed model of a scenario file.

A scenario is data: the YAML file is validated into these frozen models and
nothing else is trusted. The JSON Schema that `labguide schema` prints is
generated from here, so editors and the loader agree on one definition.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from labguide.scenario.names import FACT_KINDS, PANE_NAMES, WORLD_NAMES

SLUG = r"^[a-z0-9][a-z0-9-]*$"
FACT_NAME = r"^[a-z][a-z0-9_]*$"

Slug = Annotated[str, Field(pattern=SLUG, min_length=1, max_length=64)]
FactName = Annotated[str, Field(pattern=FACT_NAME, min_length=1, max_length=64)]
Text = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    """Every model rejects unknown keys and is immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WorldRef(Strict):
    """Which simulated world to build for this scenario, and its parameters."""

    name: str = Field(description="A world the simulator knows, e.g. iam-credential-theft.")
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known_world(cls, value: str) -> str:
        if value not in WORLD_NAMES:
            raise ValueError(f"unknown world {value!r}; known: {', '.join(sorted(WORLD_NAMES))}")
        return value


class FactSpec(Strict):
    """A value discovered from the account itself, never written into the scenario."""

    kind: str = Field(description="How the value is discovered (see labguide.checks.facts).")
    description: Text
    finding_type: str | None = Field(
        default=None, description="The GuardDuty finding type the fact is read from."
    )
    name_tag: str | None = Field(
        default=None, description="An EC2 Name tag that identifies an instance when no finding does."
    )

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in FACT_KINDS:
            raise ValueError(f"unknown fact kind {value!r}; known: {', '.join(sorted(FACT_KINDS))}")
        return value


# ----- answers -------------------------------------------------------------------------------


class FactAnswer(Strict):
    """The answer must equal (case-insensitively, trimmed) the value of one of these facts."""

    fact: FactName | list[FactName]

    @property
    def fact_names(self) -> list[str]:
        return [self.fact] if isinstance(self.fact, str) else list(self.fact)


class ChoiceAnswer(Strict):
    """The answer is picked from choices; any of `correct` is right."""

    choices: list[Text] = Field(min_length=2)
    correct: list[Text] = Field(min_length=1)


class PatternAnswer(Strict):
    """The answer must fully match a regular expression (case-insensitive)."""

    pattern: Text

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value


def _answer_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("fact", "choices", "pattern"):
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
    question: Text
    hints: list[Text] = Field(default_factory=list)
    answer: Text = Field(description="The model answer, shown only when the learner asks.")
    expect: AnswerExpectation | None = Field(
        default=None, description="When set, the learner's typed answer is checked."
    )


# ----- checks --------------------------------------------------------------------------------


class _CheckBase(Strict):
    id: Slug
    title: Text = Field(description="What the check looks for, in the learner's words.")


class AnswerCheck(_CheckBase):
    """Settled by the learner's answer to one of the step's questions (manual when headless)."""

    kind: Literal["answer"]
    question: Slug


class FilterOnKeyCheck(_CheckBase):
    """A saved GuardDuty filter selects the compromised access key."""

    kind: Literal["guardduty-filter-on-key"]
    detector: FactName = "detector_id"
    key: FactName = "access_key_id"


class SessionsRevokedCheck(_CheckBase):
    """The role denies everything to sessions issued before a moment after the theft."""

    kind: Literal["role-sessions-revoked"]
    role: FactName = "role_name"
    since: FactName = "first_seen"


class InstanceRestartedCheck(_CheckBase):
    """The instance is running and was started (not rebooted) after the revocation."""

    kind: Literal["instance-restarted"]
    instance: FactName = "instance_id"
    role: FactName = "role_name"


class KeyRotatedCheck(_CheckBase):
    """The instance's metadata credentials are new: another key, issued after the revocation."""

    kind: Literal["instance-key-rotated"]
    instance: FactName = "instance_id"
    role: FactName = "role_name"
    key: FactName = "access_key_id"


CheckSpec = Annotated[
    AnswerCheck | FilterOnKeyCheck | SessionsRevokedCheck | InstanceRestartedCheck | KeyRotatedCheck,
    Field(discriminator="kind"),
]


# ----- solutions -----------------------------------------------------------------------------


class WaiterSpec(Strict):
    """A boto3 waiter to run after the operation, e.g. instance_stopped."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    params: dict[str, Any] = Field(default_factory=dict)


class Operation(Strict):
    """One AWS API call of a solution; strings in params are Jinja templates over facts."""

    service: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    operation: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$")]
    params: dict[str, Any] = Field(default_factory=dict)
    waiter: WaiterSpec | None = None
    save_as: FactName | None = Field(
        default=None, description="Keep the response under this name for later operations."
    )
    description: str | None = None


# ----- steps and the scenario ----------------------------------------------------------------


class Step(Strict):
    id: Slug
    title: Text
    content: Text = Field(description="Markdown file, relative to the scenario's content folder.")
    panes: list[str] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    checks: list[CheckSpec] = Field(default_factory=list)
    solve: list[Operation] = Field(default_factory=list)

    @field_validator("panes")
    @classmethod
    def _known_panes(cls, value: list[str]) -> list[str]:
        for pane in value:
            if pane not in PANE_NAMES:
                raise ValueError(
                    f"unknown pane {pane!r}; known: {', '.join(sorted(PANE_NAMES))}"
                )
        return value


class Scenario(Strict):
    """A whole exercise: its world, the facts it discovers, its steps and its closing text."""

    id: Slug
    title: Text
    summary: Text
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]
    world: WorldRef
    facts: dict[FactName, FactSpec] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)
    finish: Text = Field(description="Markdown shown when every step is done.")

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]
