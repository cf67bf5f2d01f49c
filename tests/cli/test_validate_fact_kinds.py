"""`labguide validate` rejects a check field naming a fact of the wrong kind, with the
field's location, instead of a check that later fails with an internal error."""

from __future__ import annotations

import shutil

from labguide.cli import main
from labguide.scenario import load_scenario

SCENARIO = "compromised-iam-credentials"


def copy_with(tmp_path, old: str, new: str):
    loaded = load_scenario(SCENARIO)
    copy = tmp_path / "scenarios" / loaded.path.name
    copy.parent.mkdir()
    text = loaded.path.read_text()
    assert text.count(old) == 1
    copy.write_text(text.replace(old, new))
    shutil.copytree(loaded.content_dir, tmp_path / "content" / loaded.scenario.id)
    return copy, text[:text.index(old)].count("\n") + 1


def test_a_check_field_naming_a_fact_of_the_wrong_kind(tmp_path, capsys):
    old = "        kind: role-sessions-revoked\n"
    path, line = copy_with(tmp_path, old, old + "        since: access_key_id\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line + 1}:" in err
    assert ("check field 'since' needs a fact of kind finding-first-seen, but fact "
            "'access_key_id' is of kind finding-access-key") in err


def test_a_default_field_whose_fact_has_the_wrong_kind(tmp_path, capsys):
    old = "  first_seen:\n    kind: finding-first-seen\n"
    path, _ = copy_with(tmp_path, old, "  first_seen:\n    kind: finding-type\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "('since' by default) needs a fact of kind finding-first-seen" in err


def test_the_bundled_scenario_validates(capsys):
    assert main(["validate", str(load_scenario(SCENARIO).path)]) == 0
