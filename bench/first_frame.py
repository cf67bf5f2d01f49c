"""First frame of `labguide run compromised-iam-credentials` vs a bare Textual app that
imports boto3 and shows a Markdown and a DataTable; same machine, same run, as a ratio.

Each measurement is a fresh Python process (imports included), timed from spawn to the
app's first Ready event (its first frame), headless. Budget (DESIGN.md): ratio <= 1.2.
Markers go straight to fd 1: Textual captures print() while it runs, and a captured
marker arrives late (it made the first frame look as slow as the lab screen).

    python bench/first_frame.py [--rounds 15]

The statistic: the median, over rounds, of each round's ratio. A round launches the bare
app, the bare app showing the step's text, and labguide back to back (seconds apart; the
order rotates from round to round), and its ratios divide labguide's marks by the bare
launch of the SAME round. On a shared machine the load drifts over tens of seconds, and
a ratio of two medians taken over a whole run mixes a labguide launch from a busy moment
with a bare one from a quiet moment (medians of one tree moved by 100+ ms between runs
minutes apart, 1.09x-1.46x on the same code); a per-round ratio compares launches that
saw the same machine, and the median of those ignores the rounds a burst hit. p25/p75
show the spread; the ratios of the medians are printed too, as before. Default 15 rounds
(about 45 launches, ~1 minute).

One labguide process per round prints four markers: the app's first frame (Ready), the
lab screen's first frame (steps, step title, checks, status line, footer), then the
step's text drawn (every Markdown of it mounted, then a refresh), then its tip
questions. The text and questions are compared with a third app: the bare one showing
that same text (the step's title, rendered text and questions, written by the warm
launch) in its Markdown: the budget "text and questions within 1.2x of the bare app
showing the same text". The learner's scenario cache is warmed by the first
(discarded) launch, as after any launch of the app; both apps get a bytecode cache of
their own (see bench_env).

Measured 2026-12-02 (session 4, see /work/notes/issue-11-perf-note.md for the runs):
before: first frame 1.66x, text 2.23x and questions 2.27x of the one-line bare app
(lead, 02:41, environment's bytecode setting, old markers); after the fixes, 5 runs,
quiet: bare 386 ms, bare with the text 498 ms; labguide first frame 426 ms = 1.10, its
text and questions 773 ms = 1.55x the bare app showing them.
Session 6 (2026-12-02 11:31, main fe5169e, loadavg 0.14 -> 0.60, 15 rounds): per-round
first frame 1.10 (p25 1.06, p75 1.17), text+questions 1.19 (1.12-1.29); ratios of the
medians 1.09 and 1.25 (bare 492 ms, bare with the text 536 ms, labguide 538 / 669 ms).
Session 2 (2026-11-28): first frame 1.15-1.16 (markers then fired before Textual had
mounted the Markdown's blocks, and before the scenario cache: 1.65-1.72x behind a
loading screen). A first launch, or one after a scenario file changed, still validates
behind that loading screen.
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

DRAWN = r"""
def when_drawn(node, done, ready=lambda: True):
    # `done` once a refresh has shown every Markdown under `node` whole (Textual parses a
    # Markdown's text in a thread and mounts its blocks later), and every widget shown
    # under `node` (blocks, question cards and their parts) is in the layout that frame
    # painted: a widget mounted but hidden, or not laid out yet, is not drawn.
    from textual.widgets import Markdown

    def laid_out():
        placed = node.screen._compositor.widgets  # the widgets of the last layout
        shown = [node]
        while shown:
            widget = shown.pop()
            if widget not in placed or not widget.is_mounted:
                return False
            shown.extend(child for child in widget.children if child.display)
        return True

    def complete():
        documents = list(node.query(Markdown))
        return documents and not [md for md in documents if md._initial_markdown is not None
                                  or md.lock.is_locked or not md.children] and ready() \
            and laid_out()

    def look(waited=False):
        if complete():  # complete at this refresh, or only since: one more
            done() if not waited else node.call_after_refresh(done)
        else:
            node.call_after_refresh(look, True)

    node.call_after_refresh(look)
"""

BARE = r"""
import os, sys, boto3  # noqa: F401
from textual.app import App
from textual.widgets import DataTable, Markdown
TEXT = os.environ.get("BENCH_TEXT_FILE")
""" + DRAWN + r"""
class Bare(App):
    def compose(self):
        if TEXT:  # the same text as the lab's step (title, text, questions)
            yield Markdown(open(TEXT, encoding="utf-8").read())
        else:
            yield Markdown("# Read the alert\n\nSome *instructions* with a [link](https://x).")
        yield DataTable()
    def on_mount(self):
        t = self.query_one(DataTable)
        t.add_columns("Type", "Key")
        t.add_row("UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", "ASIA...")
    def on_ready(self):
        os.write(1, b"FIRST_FRAME\n")
        when_drawn(self.screen, lambda: (os.write(1, b"BARE_TEXT\n"), self.exit()))

Bare().run(headless=True, size=(100, 32))
"""

LABGUIDE = r"""
import os
from textual.app import App
from labguide.tui.app import LabGuideApp
from labguide.tui.screens.lab import LabScreen
from labguide.tui.widgets.stepview import StepView
""" + DRAWN + r"""
_app_ready = LabGuideApp.on_ready

def on_ready(self):
    os.write(1, b"FIRST_FRAME\n")
    _app_ready(self)

_on_mount = LabScreen.on_mount

def lab_frame():  # the first callback after the lab screen's first refresh
    os.write(1, b"LAB_FRAME\n")

def on_mount(self):
    self.call_after_refresh(lab_frame)
    _on_mount(self)

_show_body = StepView._show_body
reached = set()

def reach(marker, app):  # the text and questions may be drawn in one frame: quit after both
    os.write(1, marker.encode() + b"\n")
    reached.add(marker)
    if {"LAB_TEXT", "LAB_FULL"} <= reached:
        app.exit()

def show_body(self, step_id):  # the step's text: rendered (a thread), then mounted
    _show_body(self, step_id)
    when_drawn(self.query_one("#step-blocks"), lambda: reach("LAB_TEXT", self.app))

_show_questions = StepView._show_questions

def write_text(view):
    # The same text, for the bare app to show: the step's title, text and questions.
    from labguide.tui.widgets.questions import QuestionCard

    lines = ["# " + str(view.query_one("#step-title").content), "", view.rendered or ""]
    for card in view.query(QuestionCard):
        lines += ["", f"**? Question {card.number}:** {card.question.question}"]
    with open(os.environ["BENCH_TEXT_FILE"], "w", encoding="utf-8") as out:
        out.write("\n".join(lines))

def full(view):
    if os.environ.get("BENCH_TEXT_FILE"):
        write_text(view)
    reach("LAB_FULL", view.app)

def show_questions(self, step_id):  # then its tip questions
    cards = _show_questions(self, step_id)
    wanted = len(self.session.scenario.step(step_id).questions)
    when_drawn(self, lambda: full(self), lambda: len(self.cards()) == wanted)
    return cards

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
            if len(seen) == len(markers):  # the text and questions may come in one frame
                break
    finally:
        stuck.cancel()
    try:  # the app must end within seconds of quitting; never leave it running
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise SystemExit("the app did not exit within 10 s of its markers (killed)") from None
    missing = [m for m in markers if m not in seen]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} (exit {proc.returncode})")
    return seen


def bench_env(keep_env: bool) -> dict[str, str]:
    """The children's environment: their own LABGUIDE_HOME, and (unless `keep_env`) a
    bytecode cache of their own for both apps. A shell with PYTHONDONTWRITEBYTECODE=1 (as
    here) gives labguide no .pyc at all, so every launch compiled its ~250 modules from
    source (~150-250 ms) while the bare app's packages loaded theirs from site-packages:
    not what a learner runs (pip compiles at install; a checkout writes __pycache__)."""
    env = dict(os.environ, LABGUIDE_HOME=tempfile.mkdtemp(prefix="labguide-bench-"))
    if not keep_env:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="labguide-bench-pyc-")
    return env


def quantiles(values: list[float]) -> tuple[float, float, float]:
    """p25, median, p75 (statistics' inclusive method: defined from 2 values on)."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    p25, p50, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return p25, p50, p75


def spread(ratios: list[float]) -> str:
    p25, p50, p75 = quantiles(ratios)
    return f"{p50:.2f} (p25 {p25:.2f}, p75 {p75:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", "--runs", type=int, default=15,
                        help="rounds of three launches (bare, bare with the text, labguide)")
    parser.add_argument("--keep-env", action="store_true",
                        help="no bytecode cache of the bench's own (see bench_env)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    load_before = os.getloadavg()
    env = bench_env(args.keep_env)
    text_env = dict(env, BENCH_TEXT_FILE=os.path.join(env["LABGUIDE_HOME"], "step.md"))
    lab_markers = ("FIRST_FRAME", "LAB_FRAME", "LAB_TEXT", "LAB_FULL")
    bare_markers = ("FIRST_FRAME", "BARE_TEXT")
    # Warm the file and bytecode caches and the learner's scenario cache (made at the
    # first launch); the warm launch also writes the step's text for the bare app.
    first_frame(BARE, env, bare_markers)
    first_frame(LABGUIDE, text_env, lab_markers)
    first_frame(BARE, text_env, bare_markers)
    launches = {
        "bare": lambda: first_frame(BARE, env, bare_markers),
        "bare_text": lambda: first_frame(BARE, text_env, bare_markers),
        "lab": lambda: first_frame(LABGUIDE, env, lab_markers),
    }
    order = list(launches)
    rounds: list[dict[str, dict[str, float]]] = []
    for number in range(args.rounds):
        # One round: the three launches back to back, their order rotated from round to
        # round so that none always comes first (after a pause) or last.
        shift = number % len(order)
        rounds.append({name: launches[name]() for name in order[shift:] + order[:shift]})
    load_after = os.getloadavg()

    def column(name: str, marker: str) -> list[float]:
        return [one[name][marker] for one in rounds]

    def per_round(lab_marker: str, name: str, marker: str) -> list[float]:
        return [one["lab"][lab_marker] / one[name][marker] for one in rounds]

    b, bt = (statistics.median(column(*k)) for k in (("bare", "FIRST_FRAME"),
                                                       ("bare_text", "BARE_TEXT")))
    g, s, t, f = (statistics.median(column("lab", m)) for m in lab_markers)
    first = per_round("FIRST_FRAME", "bare", "FIRST_FRAME")
    screen = per_round("LAB_FRAME", "bare", "FIRST_FRAME")
    text = per_round("LAB_TEXT", "bare_text", "BARE_TEXT")
    full = per_round("LAB_FULL", "bare_text", "BARE_TEXT")
    print(f"bytecode cache: {'as in the environment' if args.keep_env else 'own (both apps)'}; "
          f"{args.rounds} rounds; loadavg before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f} (1 min)")
    print(f"bare Textual + boto3 + Markdown + DataTable: median {b * 1000:.0f} ms")
    print(f"  ... showing the step's text and questions:   median {bt * 1000:.0f} ms")
    print(f"labguide run compromised-iam-credentials:   median {g * 1000:.0f} ms (first frame)")
    print(f"  ... its lab screen (steps + step title) drawn: median {s * 1000:.0f} ms")
    print(f"  ... then the step's text drawn:               median {t * 1000:.0f} ms")
    print(f"  ... then its tip questions drawn:             median {f * 1000:.0f} ms")
    print("per-round ratios (lab / bare of the same round), median (p25, p75):")
    print(f"  first frame {spread(first)} (budget 1.20); lab screen {spread(screen)}")
    print(f"  text+questions vs the bare app showing them {spread(full)} (budget 1.20); "
          f"text alone {spread(text)}")
    print(f"ratios of the medians: first frame {g / b:.2f}; lab screen {s / b:.2f}; "
          f"text+questions {f / bt:.2f}; text alone {t / bt:.2f}; vs the one-line bare app: "
          f"text {t / b:.2f}, questions {f / b:.2f}")


if __name__ == "__main__":
    main()
