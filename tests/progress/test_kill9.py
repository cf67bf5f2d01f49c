"""A kill -9 at any moment loses nothing a save already acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from labguide.progress import ProgressStore

WRITER = r"""
import sys
from labguide.progress import ProgressStore
store = ProgressStore(sys.argv[1])
store.open_session("s", "sim", seed=1)
i = 0
while True:
    i += 1
    store.save_answer("s", "sim", "step", f"q{i}", f"answer {i}", True)
    store.reveal_hint("s", "sim", "step", f"q{i}", 1)
    print(i, flush=True)
"""


def test_kill_minus_nine_during_saves_keeps_every_acknowledged_save(tmp_path):
    path = tmp_path / "progress.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    acknowledged = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        acknowledged = int(line)
        if acknowledged >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()

    progress = ProgressStore(path).load("s", "sim")
    assert ("step", f"q{acknowledged}") in progress.answers
    assert progress.hints_shown[("step", f"q{acknowledged}")] == 1
    numbers = sorted(int(q[1:]) for _, q in progress.answers)
    assert numbers[: acknowledged] == list(range(1, acknowledged + 1))
