"""How long `labguide test` takes on each bundled scenario (budget: under 30 s each).

Each run is a real process, as CI runs it; the baseline is `labguide validate` of the
same file in the same way (start-up and loading alone), so the ratio shows what proving
costs over reading. Usage: python bench/labguide_test.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BUDGET_SECONDS = 30.0
ROOT = Path(__file__).resolve().parents[1]


def timed(*argv: str) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "labguide", *argv], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - started, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    worst = 0.0
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        tests, bases, codes = [], [], set()
        for _ in range(args.runs):
            seconds, code = timed("test", str(path))
            tests.append(seconds)
            codes.add(code)
            bases.append(timed("validate", str(path))[0])
        median, base = statistics.median(tests), statistics.median(bases)
        worst = max(worst, max(tests))
        print(f"{path.stem}: labguide test median {median:.1f} s (max {max(tests):.1f} s, "
              f"exit {sorted(codes)}), validate {base:.1f} s, ratio {median / base:.1f}x; "
              f"budget {BUDGET_SECONDS:.0f} s: {median / BUDGET_SECONDS:.2f} of it")
    return 0 if worst < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
