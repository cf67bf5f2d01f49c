"""The JSON Schema of the scenario format, generated from the model (draft 2020-12)."""

from __future__ import annotations

from typing import Any

from labguide.scenario.model import Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """The schema YAML editors can use (e.g. `# yaml-language-server: $schema=...`)."""
    from labguide.scenario.schema_docs import document

    schema = document(Scenario.model_json_schema(mode="validation"))
    return {
        "$schema": DIALECT,
        **schema,
        "title": "labguide scenario",
        "description": "A labguide scenario file (YAML): " + (schema.get("description") or ""),
    }
