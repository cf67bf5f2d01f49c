"""A validated scenario kept between launches of the app.

Validating the bundled scenario (YAML with marks, template checks, pydantic) costs
about 150 ms, most of the gap between a bare Textual app's first frame and the lab
screen's. Nothing of it changes between launches unless a file does, so the app keeps
the LoadedScenario pickled in the user cache, keyed by a digest of everything the
result depends on: the scenario file, every file of its content folder (name, where it
really points, bytes), the code of this package, and the versions of labguide,
pydantic and Python. Any difference is a miss and a full load; a damaged or unreadable
entry is a miss too. `labguide validate` never reads the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path

from labguide.scenario.content import content_dir_for
from labguide.scenario.loaded import LoadedScenario

log = logging.getLogger(__name__)

MAX_CONTENT_FILES = 500  # a content folder larger than this is loaded every time
FORMAT = b"labguide-scenario-cache-2"  # 2: with step_texts


def cached_scenario(path: Path, cache_dir: Path) -> LoadedScenario | None:
    """The entry for the scenario file `path` if every input is unchanged, else None."""
    digest = inputs_digest(path)
    return None if digest is None else _read_entry(path, cache_dir, digest)


def store_scenario(loaded: LoadedScenario, cache_dir: Path) -> None:
    """Keep `loaded` for the next launch; written whole or not at all, never fails."""
    digest = inputs_digest(loaded.path)
    if digest is not None:
        _write_entry(with_step_texts(loaded), cache_dir, digest)


def with_step_texts(loaded: LoadedScenario) -> LoadedScenario:
    """`loaded` with each step's text rendered with no fact known (the app shows them
    without Jinja: labguide.scenario.step_texts)."""
    if loaded.step_texts:
        return loaded
    from dataclasses import replace

    from labguide.scenario.render import step_texts

    return replace(loaded, step_texts=step_texts(loaded))


def load_scenario_cached(ref: str | os.PathLike[str], cache_dir: Path) -> LoadedScenario:
    """`load_scenario(ref)`, answered from the cache when nothing it depends on changed.
    Errors are load_scenario's (an invalid scenario is never cached).

    The digest is taken once, before the load, and keys what that load stores: a file
    edited during the load then makes the next launch miss, never hit a stale entry."""
    from labguide.scenario.bundled import scenario_path

    path = scenario_path(ref)
    digest = inputs_digest(path)
    loaded = None if digest is None else _read_entry(path, cache_dir, digest)
    if loaded is None:
        from labguide.scenario.loader import load_scenario_file  # YAML, Jinja, pydantic

        loaded = with_step_texts(load_scenario_file(path))
        if digest is not None:
            _write_entry(loaded, cache_dir, digest)
    return loaded


def _read_entry(path: Path, cache_dir: Path, digest: str) -> LoadedScenario | None:
    try:
        data = _entry_path(path, cache_dir).read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    if head != FORMAT + b" " + digest.encode():
        return None
    try:
        loaded = pickle.loads(body)  # noqa: S301 - the learner's own cache, mode 0600
    except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
        log.info("scenario cache entry for %s unreadable; loading the file", path)
        return None
    return loaded if isinstance(loaded, LoadedScenario) else None


def _write_entry(loaded: LoadedScenario, cache_dir: Path, digest: str) -> None:
    target = _entry_path(loaded.path, cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        body = pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
        fd, temp = tempfile.mkstemp(dir=cache_dir, prefix=".scenario-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:  # mkstemp: mode 0600
                handle.write(FORMAT + b" " + digest.encode() + b"\n" + body)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError) as exc:
        log.info("scenario cache not written (%s); the next launch loads the file", exc)


def inputs_digest(path: Path) -> str | None:
    """A digest of everything a load of `path` depends on; None when it cannot be taken
    (a file unreadable, a content folder too large): then there is no caching."""
    digest = hashlib.sha256()
    try:
        absolute = path.absolute()
        _add_file(digest, "scenario", absolute)
        # content_dir_for(path, id) without the id, which is only known once parsed
        files = _content_files(content_dir_for(absolute, "x").parent)
        if files is None:
            return None
        for file in files:
            _add_file(digest, "content", file)
        for source in sorted(Path(__file__).parent.glob("*.py")):
            _add_file(digest, "code", source)
    except OSError:
        return None
    import pydantic

    import labguide

    versions = (labguide.__version__, pydantic.VERSION, sys.version)
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def _content_files(folder: Path) -> list[Path] | None:
    """Every file under the content folder (the scenario's and its neighbours': a scenario's
    id, hence its folder, is only known once it is parsed); None when there are too many."""
    if not folder.is_dir():
        return []
    files: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            files.append(Path(root) / name)
            if len(files) > MAX_CONTENT_FILES:
                return None
        for name in dirs:  # a symlinked folder is walked by name only: note where it points
            linked = Path(root) / name
            if linked.is_symlink():
                files.append(linked)
    return files


def _add_file(digest: hashlib._Hash, kind: str, path: Path) -> None:
    digest.update(f"\0{kind}\0{path}\0{path.resolve()}\0".encode())
    if path.is_file():
        digest.update(path.read_bytes())


def _entry_path(path: Path, cache_dir: Path) -> Path:
    name = hashlib.sha256(str(path.absolute()).encode()).hexdigest()[:24]
    return cache_dir / f"scenario-{name}.pickle"
