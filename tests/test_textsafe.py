"""One sanitiser for every terminal-bound string; scenario text with control characters
is refused at validation."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from labguide.textsafe import control_characters, visible

CLEAR = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: write the clipboard
FIXTURE = Path(__file__).parent / "scenario" / "fixtures"


def test_control_characters_are_shown_not_sent():
    for hostile in (CLEAR, TITLE, CLIPBOARD, "\x9b31m", "a\u202eb", "\x7f", "\r"):
        shown = visible(f"x{hostile}y")
        assert not control_characters(shown) and shown.startswith("x") and shown.endswith("y")
    assert visible(CLEAR) == "\\x1b[2J"
    assert visible("two\nlines\tand a tab") == "two\nlines\tand a tab"  # negative control
    assert visible("two\nlines", lines=False) == "two\\x0alines"
    assert visible("ASIA… ✓ café") == "ASIA… ✓ café"


def test_cli_lines_show_escapes(capsys):
    from types import SimpleNamespace

    from labguide.cli.check_cmd import print_round

    check = SimpleNamespace(id="c", status="failed", summary=f"bad {TITLE}",
                            expected=CLIPBOARD, observed=CLEAR)
    step = SimpleNamespace(id="s", status="failed", title=f"Step {CLEAR}", checks=[check])
    target = SimpleNamespace(describe=lambda: {}, kind="sim", region="eu-west-1")
    lines: list[str] = []
    print_round("x", target, SimpleNamespace(steps=[step]), lines.append)
    text = "\n".join(lines)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]52" in text


def test_the_log_shows_escapes(tmp_path):
    from labguide.progress.logs import setup_file_logging

    path = setup_file_logging(tmp_path / "labguide.log")
    logging.getLogger("labguide.test").warning("finding title %s", CLIPBOARD)
    for handler in logging.getLogger("labguide").handlers:
        handler.flush()
    text = path.read_text()
    assert "\\x1b]52" in text and "\x1b" not in text


def test_pane_cells_show_escapes():
    from labguide.tui.panes.base import cell_text

    assert "\x1b" not in cell_text(f"tag {TITLE}").plain


def _validate(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labguide", "validate",
                           str(tree / "scenarios" / "minimal.yaml")],
                          capture_output=True, text=True, timeout=60)


def test_scenario_text_with_control_characters_is_refused(tmp_path):
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(FIXTURE, tree)
    path = tree / "scenarios" / "minimal.yaml"
    good = path.read_text()
    path.write_text(good.replace("title: Read the alert", 'title: "Read \\e[2J\\e]52;c;eA==\\a"'))
    done = _validate(tree)
    assert done.returncode == 2 and "control character \\x1b" in done.stderr
    assert "minimal.yaml:" in done.stderr and "\x1b" not in done.stderr
    path.write_text(good)
    alert = tree / "content" / "minimal" / "alert.md"
    alert.write_text(alert.read_text() + f"\nhello {TITLE}\n")
    done = _validate(tree)
    assert done.returncode == 2 and "alert.md:" in done.stderr and "\\x1b" in done.stderr
    alert.write_text(alert.read_text().replace(TITLE, "plain"))
    assert _validate(tree).returncode == 0  # negative control
