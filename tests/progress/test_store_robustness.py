"""A damaged, foreign, newer, read-only or full progress store: a message naming the file
and exit 2, never a traceback, never an overwrite; the learner's files are private."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from labguide.progress.store import SCHEMA_VERSION, ProgressStore, StoreError
from tests.disks import fill

ROOT = Path(__file__).resolve().parents[2]


def _labguide(home: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LABGUIDE_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c",
                           "import sys; from labguide.progress import ProgressStore, "
                           "progress_db_path; ProgressStore(progress_db_path()); print('opened')"]
                          if not argv else [sys.executable, "-m", "labguide", *argv],
                          env=env, capture_output=True, text=True, timeout=120)


def _saved(path: Path) -> None:
    store = ProgressStore(path)
    store.open_session("s", "a", seed=1)
    store.close()


def test_random_bytes_are_refused_and_kept(tmp_path):
    path = tmp_path / "progress.sqlite3"
    junk = os.urandom(4096)
    path.write_bytes(junk)
    with pytest.raises(StoreError, match=f"{path}.*not a labguide progress file"):
        ProgressStore(path)
    assert path.read_bytes() == junk


def test_a_partly_corrupted_file_is_refused_and_kept(tmp_path):
    path = tmp_path / "progress.sqlite3"
    _saved(path)
    data = bytearray(path.read_bytes())
    data[4096:] = os.urandom(len(data) - 4096)  # every page but the first (the header)
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreError, match=f"{path}.*damaged"):
        ProgressStore(path)
    assert path.read_bytes() == before


def test_a_newer_schema_is_refused_and_kept(tmp_path):
    path = tmp_path / "progress.sqlite3"
    _saved(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer labguide"):
        ProgressStore(path)
    with sqlite3.connect(path) as conn:  # nothing was changed or emptied
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)


def test_an_older_schema_is_migrated_in_one_transaction(tmp_path, monkeypatch):
    from labguide.progress import store as module

    path = tmp_path / "progress.sqlite3"
    _saved(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value='0' WHERE key='schema'")
    monkeypatch.setattr(module, "MIGRATIONS", {0: ("CREATE TABLE upgraded (x)",
                                                   "INSERT INTO nosuch VALUES (1)")})
    with pytest.raises(StoreError):
        ProgressStore(path)  # the second statement fails: nothing of the migration stays
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == ("0",)
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name='upgraded'"
                                ).fetchall()
    monkeypatch.setattr(module, "MIGRATIONS", {0: ("CREATE TABLE upgraded (x)",)})
    store = ProgressStore(path)
    assert store.load("s", "a").seed == 1
    store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == ("1",)


def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "progress.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id)")
    with pytest.raises(StoreError, match="not labguide's progress"):
        ProgressStore(path)


def test_the_cli_says_so_and_exits_2(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.sqlite3").write_bytes(b"not a database at all" * 50)
    done = _labguide(home, "run", "compromised-iam-credentials")
    assert done.returncode == 2, done.stderr
    assert "progress.sqlite3" in done.stderr and "Traceback" not in done.stderr


def test_new_files_are_private(tmp_path):
    home = tmp_path / "home"
    done = _labguide(home)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "progress.sqlite3").stat().st_mode) == 0o600
    from labguide.progress.logs import setup_file_logging

    log = setup_file_logging(home / "labguide.log")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    from labguide.sim.embedded import Journal

    journal = Journal(home / "journals" / "x.journal")
    journal.open({"kind": "world"})
    journal.close()
    assert stat.S_IMODE((home / "journals").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "journals" / "x.journal").stat().st_mode) == 0o600


def test_a_full_disk_at_start_is_a_message(small_disk):
    fill(small_disk)
    with pytest.raises(StoreError, match="progress"):
        ProgressStore(small_disk / "progress.sqlite3")


def test_a_full_disk_mid_session_fails_one_save_and_keeps_the_rest(small_disk):
    path = small_disk / "progress.sqlite3"
    store = ProgressStore(path)
    store.open_session("s", "a", seed=1)
    store.save_answer("s", "a", "step", "q", "first", True)
    filler = fill(small_disk)
    with pytest.raises(StoreError, match="disk is full"):
        for n in range(200):  # until a page must be added
            store.save_answer("s", "a", "step", f"q{n}", "y" * 2000, True)
    filler.unlink()
    assert store.load("s", "a").answers[("step", "q")].text == "first"
    store.close()


def test_a_read_only_home_is_a_message(small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError, match="read-only"):
        ProgressStore(small_disk / "progress.sqlite3")
