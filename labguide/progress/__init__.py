"""What a learner has done, durable and resumable (SQLite under the user data dir)."""

from labguide.progress.files import write_atomically
from labguide.progress.paths import (
    cache_dir,
    data_dir,
    journal_path,
    log_path,
    progress_db_path,
    sim_env_path,
)
from labguide.progress.store import AnswerRecord, Progress, ProgressStore

__all__ = [
    "AnswerRecord", "Progress", "ProgressStore",
    "cache_dir", "data_dir", "journal_path", "log_path", "progress_db_path", "sim_env_path",
    "write_atomically",
]
