"""First frame of `labguide run compromised-iam-credentials` vs a bare Textual app that
imports boto3 and shows a Markdown and a DataTable; same machine, same run, as a ratio.

Each measurement is a fresh Python process (imports included), timed from spawn to the
app's first Ready event (its first frame), headless. Budget (DESIGN.md): ratio <= 1.2.

    python bench/first_frame.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = r"""
import sys, boto3  # noqa: F401
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
        print("FIRST_FRAME", flush=True)
        self.exit()

Bare().run(headless=True, size=(100, 32))
"""

LABGUIDE = r"""
from textual.app import App
from labguide.tui.app import LabGuideApp

def on_ready(self):
    print("FIRST_FRAME", flush=True)
    self.exit()

def run(self, *args, **kwargs):
    return App.run(self, headless=True, size=(100, 32))

LabGuideApp.on_ready = on_ready
LabGuideApp.run = run
from labguide.cli import main
raise SystemExit(main(["run", "compromised-iam-credentials"]))
"""


def first_frame(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env=env, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("FIRST_FRAME"):
            elapsed = time.perf_counter() - start
            break
    else:
        raise SystemExit(f"no first frame (exit {proc.wait()})")
    proc.wait(timeout=60)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, LABGUIDE_HOME=tempfile.mkdtemp(prefix="labguide-bench-"))
    bare, lab = [], []
    first_frame(BARE, env), first_frame(LABGUIDE, env)  # warm the file cache
    for _ in range(args.runs):
        bare.append(first_frame(BARE, env))
        lab.append(first_frame(LABGUIDE, env))
    b, g = statistics.median(bare), statistics.median(lab)
    print(f"bare Textual + boto3 + Markdown + DataTable: median {b * 1000:.0f} ms")
    print(f"labguide run compromised-iam-credentials:   median {g * 1000:.0f} ms")
    print(f"ratio {g / b:.2f} (budget 1.20) over {args.runs} runs each")


if __name__ == "__main__":
    main()
