"""A validated scenario and where it came from: what the loader returns and the cache keeps.

Kept apart from the loader so that code holding a loaded scenario (the app, the cache)
imports neither YAML nor Jinja nor the validation machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labguide.scenario.content import confined_path
from labguide.scenario.model import Scenario
from labguide.scenario.step_texts import StepText


@dataclass(frozen=True)
class LoadedScenario:
    """A valid scenario with where it came from; paths are absolute."""

    scenario: Scenario
    path: Path
    content_dir: Path
    # Each step's text with no fact known (labguide.scenario.step_texts), made when the
    # scenario cache is written; empty: every step is rendered.
    step_texts: Mapping[str, StepText] = field(default_factory=dict, compare=False)

    def __hash__(self) -> int:  # the model holds dicts; a file is identified by its path
        return hash((self.path, self.scenario.id))

    @property
    def id(self) -> str:
        return self.scenario.id

    def content_path(self, step_id: str) -> Path:
        """The markdown file of a step (checked at load time to stay in the content folder)."""
        return confined_path(self.content_dir, self.scenario.step(step_id).content)
