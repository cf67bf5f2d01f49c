"""The scenarios shipped with labguide.

An installed wheel carries them in `labguide/_bundled/{scenarios,content}`
(pyproject force-includes the repository's folders there); a checkout or an
editable install uses the repository's own `scenarios/` and `content/`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import labguide
from labguide.errors import UserError

if TYPE_CHECKING:
    from labguide.scenario.loader import LoadedScenario


def bundled_root() -> Path | None:
    """The folder holding `scenarios/` and `content/`, or None if there is none."""
    package = Path(labguide.__file__).resolve().parent
    installed, checkout = package / "_bundled", package.parent
    if (installed / "scenarios").is_dir():
        return installed
    if (checkout / "scenarios").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return None


def bundled_scenario_paths() -> list[Path]:
    root = bundled_root()
    if root is None:
        return []
    return sorted(p for p in (root / "scenarios").iterdir()
                  if p.suffix in (".yaml", ".yml") and p.is_file())


def find_bundled(scenario_id: str) -> Path | None:
    for path in bundled_scenario_paths():
        if path.stem == scenario_id:
            return path
    return None


def bundled_scenarios() -> list[LoadedScenario]:
    """Every bundled scenario, loaded; raises ScenarioError if one is invalid."""
    from labguide.scenario.loader import load_scenario_file

    return [load_scenario_file(path) for path in bundled_scenario_paths()]


def scenario_path(ref: str | os.PathLike[str]) -> Path:
    """The file `ref` names: a bundled scenario's id, or a path (which need not exist yet:
    loading it says so). UserError for a bare name that is neither."""
    text_ref = os.fspath(ref)
    path = Path(text_ref)
    if not isinstance(ref, os.PathLike) and not path.exists() and "/" not in text_ref \
            and os.sep not in text_ref and not text_ref.endswith((".yaml", ".yml")):
        bundled = find_bundled(text_ref)
        if bundled is not None:
            return bundled
        known = ", ".join(p.stem for p in bundled_scenario_paths()) or "none"
        raise UserError(f"{text_ref}: no such file, nor a bundled scenario (bundled: {known})")
    return path
