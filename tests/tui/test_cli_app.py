"""`labguide run` refuses a region or endpoint it can never use before the app opens."""

from __future__ import annotations

import pytest

from labguide.cli import main


@pytest.mark.parametrize("argv, words", [
    (["run", "compromised-iam-credentials", "--sim", "--region", "us-west-9"], "us-west-9"),
    (["run", "compromised-iam-credentials", "--sim", "--region", "bad region!"], "bad region!"),
    (["run", "compromised-iam-credentials", "--endpoint", "ftp://x"], "ftp://x"),
    (["run", "compromised-iam-credentials", "--endpoint", "http://127.0.0.1:1",
      "--region", "no such"], "no such"),
])
def test_a_bad_region_or_endpoint_exits_2_with_one_line(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert words in err and "Traceback" not in err


def test_the_process_ends_soon_after_quitting_even_with_a_thread_stuck():
    """What `labguide run` does after the app quits: a blocked non-daemon thread (a read
    from a silent endpoint) cannot keep the process alive."""
    import subprocess
    import sys

    code = ("import threading\n"
            "from labguide.cli.app_cmd import _exit_within\n"
            "threading.Thread(target=threading.Event().wait, name='stuck').start()\n"
            "_exit_within(0.2, 3)\n")
    done = subprocess.run([sys.executable, "-c", code], timeout=30, capture_output=True)
    assert done.returncode == 3
