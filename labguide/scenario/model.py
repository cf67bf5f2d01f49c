"""The typed model of a scenario file.

A scenario is data: the YAML file is validated into these frozen models and
nothing else is trusted. The JSON Schema that `labguide schema` prints is
generated from here, so editors and the loader agree on one definition.
Cross-references (fact names, question ids, content files, templates) are
checked by `labguide.scenario.semantics`, which needs the whole file.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from labguide.scenario.kinds import (
    BUILTIN_PANES,
    CHECK_CLASSES,
    AnswerCheck,
    AwsCall,
    AwsCheck,
    AwsFact,
    CheckBase,
    CheckSpec,
    Expectation,
    FactSpec,
    FilterOnKeyCheck,
    FindingFact,
    InstanceCommandCheck,
    InstanceRestartedCheck,
    KeyRotatedCheck,
    PaneSpec,
    SessionsRevokedCheck,
    TablePane,
)
from labguide.scenario.types import FACT_NAME, SLUG, FactName, Slug, Strict, Text, one_of
from labguide.scenario.world_model import Resources, WorldDoc

__all__ = [  # the kinds' models are part of the scenario model
    "FACT_NAME", "SLUG", "AnswerCheck", "AwsCall", "AwsCheck", "AwsFact", "CHECK_CLASSES",
    "CheckBase", "CheckSpec", "Expectation", "FactName", "FactSpec", "FilterOnKeyCheck",
    "FindingFact", "InstanceCommandCheck", "InstanceRestartedCheck", "KeyRotatedCheck",
    "PaneSpec", "SessionsRevokedCheck", "Slug", "Strict", "TablePane", "Text", "WorldDoc",
]


class WorldRef(Strict):
    """A bundled world (labguide/sim/worlds/<name>.yaml), and the values of its parameters."""

    name: str = Field(description="A bundled world.", examples=["iam-credential-theft"])
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Values for the world's parameters (names, timings); also `params` in "
        "templates. Only parameters the world declares.",
        examples=[{"prefix": "threat-detection-wksp"}])

    @field_validator("name")
    @classmethod
    def _bundled(cls, value: str) -> str:
        from labguide.scenario.worlds import bundled_world_names

        return one_of("world", bundled_world_names()).func(value)

    @property
    def source(self) -> str:
        """What `labguide.sim.worlds.build_world` takes: the bundled world's name."""
        return self.name


class InlineWorld(WorldDoc):
    """The scenario's own world, described in full (see the world format)."""

    resources: Resources = Field(description="What the account holds when the exercise "
                                 "starts (required here: it is what tells an inline world from "
                                 "a bundled world's name).")

    @property
    def source(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


def _world_form(value: Any) -> str:
    if isinstance(value, dict):
        return "inline" if set(value) - {"name", "params"} else "bundled"
    return "inline" if isinstance(value, InlineWorld) else "bundled"


WorldSpec = Annotated[
    Annotated[WorldRef, Tag("bundled")] | Annotated[InlineWorld, Tag("inline")],
    Discriminator(_world_form),
]


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
        from labguide.scenario.patterns import compile_pattern

        compile_pattern(value)  # PatternError (a ValueError) says why it cannot be used
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


class Counterexample(Strict):
    """A declared wrong action: operations like `solve` that must leave the checks unpassed."""

    id: Slug = Field(examples=["reboot-instead"])
    description: Text = Field(examples=["A reboot keeps the stolen credentials."])
    apply: list[Operation] = Field(min_length=1, description="Applied in order, as `solve`.")


# ----- steps and the scenario ----------------------------------------------------------------


class Step(Strict):
    """One stage of the exercise: instructions, live panes, questions, checks and a solution."""

    id: Slug
    title: Text
    content: Text = Field(
        description="Markdown file (a Jinja template), relative to the scenario's content "
        "folder `content/<scenario id>/`; it may not leave that folder. A code block whose "
        "info string holds `run=shell` (```sh run=shell) runs in the shell pane with Enter "
        "(the step must show that pane); one holding `run=aws` has plain `aws SERVICE "
        "OPERATION --args` lines (no shell syntax), run on the lab's account through the "
        "action guard.",
        examples=["01-alert.md"],
    )
    panes: list[Annotated[str, Field(pattern=SLUG, max_length=64,
                                     examples=sorted(BUILTIN_PANES))]] = Field(
        default_factory=list, description="Live panes shown beside the instructions: built-in "
        f"panes ({', '.join(sorted(BUILTIN_PANES))}) or panes the scenario declares under "
        "`panes`.", examples=[["findings", "nacl-entries"]])
    questions: list[Question] = Field(default_factory=list)
    checks: list[CheckSpec] = Field(
        default_factory=list, description="What must hold in the account for the step to pass."
    )
    solve: list[Operation] = Field(
        default_factory=list, description="The AWS calls that complete the step (`labguide solve`)."
    )
    counterexamples: list[Counterexample] = Field(
        default_factory=list, description="Wrong actions that must not pass the step's checks: "
        "`labguide test` applies each from the step's initial state.")


class Scenario(Strict):
    """A whole exercise: its world, the facts it discovers, its steps and its closing text."""

    id: Slug = Field(examples=["compromised-iam-credentials"])
    title: Text
    summary: Text
    region: Annotated[
        str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", examples=["ap-southeast-2"])
    ]
    world: WorldSpec = Field(description="The simulated world: a bundled one by name "
                             "(with params), or the scenario's own, described in full.")
    panes: dict[Slug, PaneSpec] = Field(
        default_factory=dict, description="Declared panes (kind `table`), by the name steps "
        "list them under.")
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
