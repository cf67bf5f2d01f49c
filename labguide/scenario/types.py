"""The scalar types and the strict base every scenario model shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


def one_of(kind: str, known: frozenset[str]):
    """A validator that names the unknown value and lists the known ones."""

    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown {kind} {value!r}; known: {', '.join(sorted(known))}")
        return value

    return AfterValidator(check)


class Strict(BaseModel):
    """Every model rejects unknown keys and is immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
