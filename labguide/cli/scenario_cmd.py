"""`labguide list`, `labguide validate PATH...` and `labguide schema`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from labguide.errors import ScenarioError, UserError
from labguide.scenario import bundled_scenario_paths, load_scenario, load_scenario_file
from labguide.scenario.schema import scenario_json_schema


def cmd_list(args: argparse.Namespace) -> int:
    """Bundled scenarios as columns: id, title, number of steps."""
    rows: list[tuple[str, str, str]] = []
    broken: list[str] = []
    for path in bundled_scenario_paths():
        try:
            loaded = load_scenario_file(path)
        except ScenarioError as exc:
            broken.extend(exc.lines)
            continue
        except UserError as exc:
            broken.append(str(exc))
            continue
        scenario = loaded.scenario
        rows.append((scenario.id, scenario.title, str(len(scenario.steps))))
    if rows:
        header = ("ID", "TITLE", "STEPS")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
        for row in [header, *rows]:
            print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
    elif not broken:
        print("no bundled scenarios found", file=sys.stderr)
        return 2
    for line in broken:
        print(line, file=sys.stderr)
    return 2 if broken else 0


def _targets(ref: str) -> list[str]:
    """A directory stands for the scenario files directly inside it."""
    if not ref.strip():
        raise UserError("'': an empty path; give a scenario file, a folder of them or an id")
    path = Path(ref)
    if path.is_dir():
        files = sorted(str(p) for p in path.iterdir()
                       if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise UserError(f"{ref}: a directory with no scenario files (*.yaml)")
        return files
    return [ref]


def _validate_one(target: str) -> bool:
    """Print `TARGET: ok`, or every located problem on stderr; True when clean."""
    try:
        load_scenario(target)
    except ScenarioError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return False
    except UserError as exc:
        print(str(exc).splitlines()[0] if str(exc) else target, file=sys.stderr)
        return False
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        print(f"{target}: internal error while validating ({type(exc).__name__}: {exc}); "
              "please report it", file=sys.stderr)
        return False
    print(f"{target}: ok")
    return True


def cmd_validate(args: argparse.Namespace) -> int:
    """Exit 0 and `PATH: ok` per clean file; else exit 2, every problem located on stderr."""
    clean = True
    for ref in args.paths:
        try:
            targets = _targets(ref)
        except UserError as exc:
            print(str(exc), file=sys.stderr)
            clean = False
            continue
        for target in targets:
            clean = _validate_one(target) and clean
    return 0 if clean else 2


def cmd_schema(args: argparse.Namespace) -> int:
    """The JSON Schema of the scenario format on stdout."""
    print(json.dumps(scenario_json_schema(), indent=2))
    return 0
