"""First frame of `labguide run compromised-iam-credentials` vs a bare Textual app that
imports boto3 and shows a Markdown and a DataTable; same machine, same run, as a ratio.

Each measurement is a fresh Python process (imports included), timed from spawn to the
app's first Ready event (its first frame), headless. Budget (DESIGN.md): ratio <= 1.2.
Markers go straight to fd 1: Textual captures print() while it runs, and a captured
marker arrives late (it made the first frame look as slow as the lab screen).

    python bench/first_frame.py [--runs 7]
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

def on_ready(self):
    os.write(1, b"FIRST_FRAME\n")

_after_paint = LabScreen._mount_panes

async def after_paint(self):  # runs once the lab screen's first frame is drawn
    os.write(1, b"LAB_FRAME\n")
    self.app.exit()
    await _after_paint(self)

LabScreen._mount_panes = after_paint

def run(self, *args, **kwargs):
    return App.run(self, headless=True, size=(100, 32))

LabGuideApp.on_ready = on_ready
LabGuideApp.run = run
from labguide.cli import main
raise SystemExit(main(["run", "compromised-iam-credentials"]))
"""


def first_frame(code: str, env: dict[str, str], marker: str = "FIRST_FRAME") -> float:
    """Seconds from spawning a fresh interpreter to `marker` printed by the app."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env=env, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    elapsed = None
    stuck = threading.Timer(120, proc.kill)  # no marker at all: do not wait forever
    stuck.start()
    try:
        for line in proc.stdout:
            if line.startswith(marker):
                elapsed = time.perf_counter() - start
                break
    finally:
        stuck.cancel()
    try:  # the app must end within seconds of quitting; never leave it running
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise SystemExit(f"the app did not exit within 10 s of {marker} (killed)") from None
    if elapsed is None:
        raise SystemExit(f"no {marker} (exit {proc.returncode})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, LABGUIDE_HOME=tempfile.mkdtemp(prefix="labguide-bench-"))
    bare, lab, lab_screen = [], [], []
    first_frame(BARE, env), first_frame(LABGUIDE, env)  # warm the file cache
    for _ in range(args.runs):
        bare.append(first_frame(BARE, env))
        lab.append(first_frame(LABGUIDE, env))
        lab_screen.append(first_frame(LABGUIDE, env, "LAB_FRAME"))
    b, g, s = (statistics.median(x) for x in (bare, lab, lab_screen))
    print(f"bare Textual + boto3 + Markdown + DataTable: median {b * 1000:.0f} ms")
    print(f"labguide run compromised-iam-credentials:   median {g * 1000:.0f} ms (first frame)")
    print(f"  ... its lab screen (steps + step title) drawn: median {s * 1000:.0f} ms")
    print(f"ratio first frame {g / b:.2f} (budget 1.20); lab screen {s / b:.2f}; "
          f"{args.runs} runs each")


if __name__ == "__main__":
    main()
