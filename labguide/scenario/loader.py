"""Loading a scenario: from a bundled id or a path to a validated, located LoadedScenario.

Everything wrong with a file is reported at once, as `PATH:LINE:COL: message`
lines sorted by position, in a ScenarioError; a file that cannot be read at all
is a one-line UserError. No other exception escapes for any input.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError
from yaml.nodes import MappingNode

from labguide.errors import ScenarioError, UserError
from labguide.scenario.bundled import scenario_path
from labguide.scenario.content import MAX_FILE_BYTES, content_dir_for, read_regular
from labguide.scenario.loaded import LoadedScenario
from labguide.scenario.model import Scenario
from labguide.scenario.model_errors import model_problems
from labguide.scenario.problems import Problem, format_problems
from labguide.scenario.semantics import semantic_problems
from labguide.scenario.yamltree import YamlProblem, compose, to_data


def load_scenario(ref: str | os.PathLike[str]) -> LoadedScenario:
    """A bundled scenario by id, or a scenario file by path.

    Raises ScenarioError with every located problem, UserError when `ref`
    names neither a file nor a bundled scenario.
    """
    return load_scenario_file(scenario_path(ref))


def _read(path: Path, display: str) -> str:
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except IsADirectoryError:
        raise UserError(f"{display}: is a directory, not a scenario file") from None
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
