"""The app's scenario cache: a hit only when nothing the load depends on changed."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from labguide.errors import ScenarioError
from labguide.scenario import load_scenario, load_scenario_cached
from labguide.scenario import loader as loader_module
from labguide.scenario.cache import cached_scenario, store_scenario


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def no_full_load(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Counts full loads (YAML + validation) instead of forbidding them."""
    loads: list[Path] = []
    real = loader_module.load_scenario_file

    def counting(path, display=None):
        loads.append(Path(path))
        return real(path, display)

    monkeypatch.setattr(loader_module, "load_scenario_file", counting)
    return loads


def _yaml(tree: Path) -> Path:
    return tree / "scenarios" / "minimal.yaml"


def test_second_load_comes_from_the_cache(scenario_tree, cache, no_full_load):
    first = load_scenario_cached(_yaml(scenario_tree), cache)
    second = load_scenario_cached(_yaml(scenario_tree), cache)
    assert len(no_full_load) == 1
    assert second.scenario == first.scenario == load_scenario(_yaml(scenario_tree)).scenario
    assert (second.path, second.content_dir) == (first.path, first.content_dir)
    assert second.content_path(second.scenario.step_ids[0]).is_file()


def test_a_changed_scenario_file_is_read_again(scenario_tree, cache, no_full_load):
    title = load_scenario_cached(_yaml(scenario_tree), cache).scenario.title
    text = _yaml(scenario_tree).read_text()
    _yaml(scenario_tree).write_text(text.replace(title, "A retitled lab", 1))
    again = load_scenario_cached(_yaml(scenario_tree), cache)
    assert again.scenario.title == "A retitled lab"
    assert len(no_full_load) == 2


def test_a_changed_content_file_is_read_again(scenario_tree, cache, no_full_load):
    load_scenario_cached(_yaml(scenario_tree), cache)
    content = scenario_tree / "content" / "minimal" / "alert.md"
    content.write_text(content.read_text() + "\nOne more line.\n")
    load_scenario_cached(_yaml(scenario_tree), cache)
    assert len(no_full_load) == 2


def test_a_content_file_broken_after_caching_is_reported(scenario_tree, cache):
    """The cache must not hide a problem the full load finds: a content file that no
    longer parses as a template."""
    load_scenario_cached(_yaml(scenario_tree), cache)
    content = scenario_tree / "content" / "minimal" / "alert.md"
    content.write_text("{% if %}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_cached(_yaml(scenario_tree), cache)
    assert any("alert.md" in line for line in caught.value.lines)


def test_an_invalid_scenario_is_never_cached(scenario_tree, cache):
    _yaml(scenario_tree).write_text(_yaml(scenario_tree).read_text() + "\nunknown_key: 1\n")
    for _ in range(2):
        with pytest.raises(ScenarioError):
            load_scenario_cached(_yaml(scenario_tree), cache)
    assert not cache.exists() or not any(cache.iterdir())


def test_a_damaged_entry_is_a_miss_and_is_rewritten(scenario_tree, cache, no_full_load):
    load_scenario_cached(_yaml(scenario_tree), cache)
    (entry,) = cache.glob("scenario-*.pickle")
    header = entry.read_bytes().split(b"\n", 1)[0]
    entry.write_bytes(header + b"\nnot a pickle at all")
    assert cached_scenario(_yaml(scenario_tree), cache) is None
    loaded = load_scenario_cached(_yaml(scenario_tree), cache)
    assert loaded.scenario.id == "minimal"
    assert len(no_full_load) == 2
    assert cached_scenario(_yaml(scenario_tree), cache) is not None


def test_entries_are_private_and_per_file(scenario_tree, cache, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "scenarios").mkdir()
    (other / "scenarios" / "minimal.yaml").write_text(_yaml(scenario_tree).read_text())
    # (A copy: a content folder symlinked out of the scenario's folder is refused.)
    shutil.copytree(scenario_tree / "content", other / "content")
    load_scenario_cached(_yaml(scenario_tree), cache)
    load_scenario_cached(other / "scenarios" / "minimal.yaml", cache)
    entries = list(cache.glob("scenario-*.pickle"))
    assert len(entries) == 2
    for entry in entries:
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert not list(cache.glob(".scenario-*"))  # no temporary file left behind


def test_an_unwritable_cache_still_loads(scenario_tree, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    loaded = load_scenario_cached(_yaml(scenario_tree), blocked / "cache")
    assert loaded.scenario.id == "minimal"
    store_scenario(loaded, blocked / "cache")  # says nothing, raises nothing


def test_a_hit_imports_neither_yaml_nor_jinja(cache):
    """What the cache is for: the app's first frame skips the validator's imports."""
    load_scenario_cached("compromised-iam-credentials", cache)
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from labguide.scenario import load_scenario_cached\n"
        f"loaded = load_scenario_cached('compromised-iam-credentials', Path({str(cache)!r}))\n"
        "assert loaded.scenario.id == 'compromised-iam-credentials'\n"
        "print(sorted(m for m in ('yaml', 'jinja2', 'labguide.scenario.loader') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"
