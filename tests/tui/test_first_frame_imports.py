"""What a launch imports before its first frame and before the step's text and questions
are drawn (bench/first_frame.py measures the time). Each of these came back once and
cost tens of ms: boto3 through the lab layer, the panes' code through the screen, Jinja
through the step's render, botocore through the code blocks, Markdown through an import
for an annotation."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HARNESS = r"""
import json, os, sys
from textual.app import App
from labguide.tui.app import LabGuideApp
from labguide.tui.screens.lab import LabScreen

GUARDED = ("boto3", "botocore", "jinja2", "yaml", "moto", "labguide.tui.panes",
           "textual.widgets._markdown", "markdown_it")
seen = {}

def imported():
    return sorted(name for name in GUARDED if name in sys.modules)

ready = LabGuideApp.on_ready
def on_ready(self):
    seen["first_frame"] = imported()
    ready(self)

shown = LabScreen.on_step_view_body_shown
def body_shown(self, message):
    seen["text_and_questions"] = imported()
    with open(os.environ["SEEN_FILE"], "w") as out:
        json.dump(seen, out)
    self.app.exit()

LabGuideApp.on_ready = on_ready
LabScreen.on_step_view_body_shown = body_shown
LabGuideApp.run = lambda self, *a, **k: App.run(self, headless=True, size=(100, 32))
from labguide.cli import main
raise SystemExit(main(["run", "compromised-iam-credentials"]))
"""


def launch(tmp_path) -> dict[str, list[str]]:
    seen = tmp_path / "seen.json"
    seen.unlink(missing_ok=True)
    env = dict(os.environ, LABGUIDE_HOME=str(tmp_path / "home"), SEEN_FILE=str(seen))
    subprocess.run([sys.executable, "-c", HARNESS], env=env, timeout=120, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads(seen.read_text())


def test_a_launch_draws_the_step_before_importing_aws_jinja_or_the_panes(tmp_path):
    launch(tmp_path)  # the first launch validates the scenario (YAML, Jinja) and caches it
    seen = launch(tmp_path)
    assert seen["first_frame"] == [], seen
    # The text and questions: Textual's Markdown, and nothing of AWS, Jinja or the panes
    assert seen["text_and_questions"] == ["markdown_it", "textual.widgets._markdown"], seen
