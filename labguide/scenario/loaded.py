"""A validated scenario and where it came from: what the loader returns and the cache keeps.

Kept apart from the loader so that code holding a loaded scenario (the app, the cache)
imports neither YAML nor Jinja nor the validation machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labguide.scenario.content import confined_path
from labguide.scenario.model import Scenario


@dataclass(frozen=True)
class LoadedScenario:
    """A valid scenario with where it came from; paths are absolute."""

    scenario: Scenario
    path: Path
    content_dir: Path

    def __hash__(self) -> int:  # the model holds dicts; a file is identified by its path
        return hash((self.path, self.scenario.id))

    @property
    def id(self) -> str:
        return self.scenario.id

    def content_path(self, step_id: str) -> Path:
        """The markdown file of a step (checked at load time to stay in the content folder)."""
        return confined_path(self.content_dir, self.scenario.step(step_id).content)
