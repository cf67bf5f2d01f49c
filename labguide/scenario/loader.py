"""Loading a scenario: from a bundled id or a path to a validated, located LoadedScenario.

Everything wrong with a file is reported at once, as `PATH:LINE:COL: message`
lines sorted by position, in a ScenarioError; a file that cannot be read at all
is a one-line UserError. No other exception escapes for any input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from yaml.nodes import MappingNode

from labguide.errors import ScenarioError, UserError
from labguide.scenario.content import MAX_FILE_BYTES, confined_path, content_dir_for
from labguide.scenario.model import Scenario
from labguide.scenario.model_errors import model_problems
from labguide.scenario.problems import Problem, format_problems
from labguide.scenario.semantics import semantic_problems
from labguide.scenario.yamltree import YamlProblem, compose, to_data


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


def load_scenario(ref: str | os.PathLike[str]) -> LoadedScenario:
    """A bundled scenario by id, or a scenario file by path.

    Raises ScenarioError with every located problem, UserError when `ref`
    names neither a file nor a bundled scenario.
    """
    from labguide.scenario.bundled import find_bundled

    text_ref = os.fspath(ref)
    path = Path(text_ref)
    if not isinstance(ref, os.PathLike) and not path.exists() and "/" not in text_ref \
            and os.sep not in text_ref and not text_ref.endswith((".yaml", ".yml")):
        bundled = find_bundled(text_ref)
        if bundled is not None:
            return load_scenario_file(bundled)
        from labguide.scenario.bundled import bundled_scenario_paths

        known = ", ".join(p.stem for p in bundled_scenario_paths()) or "none"
        raise UserError(f"{text_ref}: no such file, nor a bundled scenario (bundled: {known})")
    return load_scenario_file(path)


def _read(path: Path, display: str) -> str:
    try:
        if path.is_dir():
            raise UserError(f"{display}: is a directory, not a scenario file")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"{display}: no such file") from None
    except OSError as exc:
        raise UserError(f"{display}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise UserError(f"{display}: larger than {MAX_FILE_BYTES} bytes; not a scenario file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ScenarioError([f"{display}:{line}:{col}: not UTF-8 text "
                             f"(byte 0x{data[exc.start]:02x}); is this a scenario file?"]) from None


def load_scenario_file(path: str | os.PathLike[str], display: str | None = None) -> LoadedScenario:
    """Load and validate one scenario file; `display` is how errors name it."""
    path = Path(path)
    display = display if display is not None else str(path)
    text = _read(path, display)
    try:
        root = compose(text)
    except YamlProblem as exc:
        raise ScenarioError([str(Problem(display, exc.line + 1, exc.col + 1, exc.message))]) \
            from None
    if root is None:
        raise ScenarioError([f"{display}:1:1: the file is empty; expected a scenario mapping "
                             "(id, title, summary, region, world, steps, finish)"])
    if not isinstance(root, MappingNode):
        raise ScenarioError([str(Problem(display, root.start_mark.line + 1,
                                         root.start_mark.column + 1,
                                         "expected a scenario mapping at the top level"))])
    data, yaml_problems = to_data(root)
    problems = [Problem(display, p.line + 1, p.col + 1, p.message) for p in yaml_problems]
    scenario = None
    if isinstance(data, dict):
        absolute = path.absolute()
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            # A value the YAML layer already rejected (an unsupported tag, say) became None;
            # the model's complaint about that None would be a second line for one problem.
            flagged = {(p.line, p.col) for p in problems}
            problems.extend(p for p in model_problems(exc, root, display)
                            if (p.line, p.col) not in flagged)
        except (RecursionError, ValueError, TypeError) as exc:  # defensive: stays one line
            problems.append(Problem(display, 1, 1, f"cannot validate: {exc}"))
        problems.extend(semantic_problems(root, data, display, absolute, text))
    if problems or scenario is None:
        raise ScenarioError(format_problems(problems, display))
    absolute = path.absolute()
    return LoadedScenario(scenario, absolute, content_dir_for(absolute, scenario.id))
