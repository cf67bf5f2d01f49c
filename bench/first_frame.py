"""First frame of `labguide run compromised-iam-credentials` vs a bare Textual app that
imports boto3 and shows a Markdown and a DataTable; same machine, same run, as a ratio.

Each measurement is a fresh Python process (imports included), timed from spawn to the
app's first Ready event (its first frame), headless. Budget (DESIGN.md): ratio <= 1.2.
Markers go straight to fd 1: Textual captures print() while it runs, and a captured
marker arrives late (it made the first frame look as slow as the lab screen).

    python bench/first_frame.py [--runs 7]

One process per run prints four markers: the app's first frame (Ready), the lab
screen's first frame (steps, step title, checks, status line, footer), then the step's
text drawn, then its tip questions. The learner's scenario cache is warmed by the first
(discarded) launch, as after any launch of the app.

Measured 2026-11-28, 7 runs, load average ~1: bare 378-379 ms; labguide's first frame
(the lab screen) 436-440 ms = 1.15-1.16 (budget 1.2); the step's text 600-636 ms
(1.58-1.68x), its questions 8 ms later. For scale: the bare app showing the same step
text instead of its one line takes 514 ms (442 with one line, same run). Before the
scenario cache (f1db373^): the lab screen at 1.65-1.72x behind a loading screen (1.04x).
A first launch, or one after a scenario file changed, still validates behind that
loading screen.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BARE = r"""
import os, sys, boto3  # noqa: F401
from textual.app import App
from textual.widgets import DataTable, Markdown

class Bare(App):
    def compose(self):
        yield Markdown("# Read the alert\n\nSome *instructions* with a [link](https://x).")
        yield DataTable()
    def on_mount(self):
        t = self.query_one(DataTable)
        t.add_columns("Type", "Key")
        t.add_row("UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", "ASIA...")
    def on_ready(self):
        os.write(1, b"FIRST_FRAME\n")
        self.exit()

Bare().run(headless=True, size=(100, 32))
"""

LABGUIDE = r"""
import os
from textual.app import App
from labguide.tui.app import LabGuideApp
from labguide.tui.screens.lab import LabScreen
from labguide.tui.widgets.stepview import StepView

def on_ready(self):
    os.write(1, b"FIRST_FRAME\n")

_on_mount = LabScreen.on_mount

def lab_frame():  # the first callback after the lab screen's first refresh writes it
    os.write(1, b"LAB_FRAME\n")

def on_mount(self):
    self.call_after_refresh(lab_frame)
    _on_mount(self)

_show_body = StepView._show_body

def show_body(self, step_id):  # the step's text, mounted after that frame
    lab_frame()
    self.call_after_refresh(os.write, 1, b"LAB_TEXT\n")  # before the questions' callback
    _show_body(self, step_id)

_show_questions = StepView._show_questions

def show_questions(self, step_id):  # then its tip questions
    _show_questions(self, step_id)
    self.call_after_refresh(lambda: (os.write(1, b"LAB_FULL\n"), self.app.exit()))

LabScreen.on_mount = on_mount
StepView._show_body = show_body
StepView._show_questions = show_questions

def run(self, *args, **kwargs):
    return App.run(self, headless=True, size=(100, 32))

LabGuideApp.on_ready = on_ready
LabGuideApp.run = run
from labguide.cli import main
raise SystemExit(main(["run", "compromised-iam-credentials"]))
"""


def first_frame(code: str, env: dict[str, str], markers: tuple[str, ...] = ("FIRST_FRAME",)
                ) -> dict[str, float]:
    """Seconds from spawning a fresh interpreter to each of `markers` printed by the app
    (the process is expected to quit after the last one)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env=env, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    seen: dict[str, float] = {}
    stuck = threading.Timer(120, proc.kill)  # no marker at all: do not wait forever
    stuck.start()
    try:
        for line in proc.stdout:
            marker = line.strip()
            if marker in markers and marker not in seen:
                seen[marker] = time.perf_counter() - start
            if markers[-1] in seen:
                break
    finally:
        stuck.cancel()
    try:  # the app must end within seconds of quitting; never leave it running
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise SystemExit(f"the app did not exit within 10 s of {markers[-1]} (killed)") from None
    missing = [m for m in markers if m not in seen]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} (exit {proc.returncode})")
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, LABGUIDE_HOME=tempfile.mkdtemp(prefix="labguide-bench-"))
    lab_markers = ("FIRST_FRAME", "LAB_FRAME", "LAB_TEXT", "LAB_FULL")
    # Warm the file cache, and the learner's scenario cache (made at the first launch).
    first_frame(BARE, env), first_frame(LABGUIDE, env, lab_markers)
    bare: list[float] = []
    lab: dict[str, list[float]] = {m: [] for m in lab_markers}
    for _ in range(args.runs):  # interleaved, so both see the same machine
        bare.append(first_frame(BARE, env)["FIRST_FRAME"])
        for marker, seconds in first_frame(LABGUIDE, env, lab_markers).items():
            lab[marker].append(seconds)
    b = statistics.median(bare)
    g, s, t, f = (statistics.median(lab[m]) for m in lab_markers)
    print(f"bare Textual + boto3 + Markdown + DataTable: median {b * 1000:.0f} ms")
    print(f"labguide run compromised-iam-credentials:   median {g * 1000:.0f} ms (first frame)")
    print(f"  ... its lab screen (steps + step title) drawn: median {s * 1000:.0f} ms")
    print(f"  ... then the step's text drawn:               median {t * 1000:.0f} ms")
    print(f"  ... then its tip questions drawn:             median {f * 1000:.0f} ms")
    print(f"ratio first frame {g / b:.2f} (budget 1.20); lab screen {s / b:.2f}; "
          f"with the step's text {t / b:.2f}; with its questions {f / b:.2f}; "
          f"{args.runs} runs each")

if __name__ == "__main__":
    main()
