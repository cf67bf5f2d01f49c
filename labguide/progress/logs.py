"""The app's log file under the user data dir, with secrets masked before they are written.

Anything may end up in a log record (a boto3 error, a response dump, a
traceback's locals), so masking is done on the formatted text by a filter on
the handler: secret access keys and session tokens never reach the file whole,
and access key ids keep only their prefix and last four characters.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from labguide.progress.paths import log_path
from labguide.textsafe import visible

_SECRET_FIELD = re.compile(
    r"""(?ix)
    (secret_?access_?key|aws_secret_access_key|secretaccesskey|session_?token|
     aws_session_token|security_?token|\btoken\b|x-amz-security-token)
    (["']?\s*[:=]\s*["']?)
    ([A-Za-z0-9/+=_-]{16,})
    """
)
# A secret access key: 40 base64 characters standing alone.
_BARE_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# Session tokens are long base64 blobs.
_LONG_BLOB = re.compile(r"[A-Za-z0-9/+]{80,}={0,2}")
_KEY_ID = re.compile(r"\b(AKIA|ASIA)([A-Z0-9]{8,})([A-Z0-9]{4})\b")


def mask_secrets(text: str) -> str:
    """Mask secret keys and tokens; shorten access key ids to PREFIX…LAST4."""
    text = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}****", text)
    text = _LONG_BLOB.sub("****", text)
    text = _BARE_SECRET.sub(
        lambda m: m.group(0) if m.group(0).isalpha() or m.group(0).isdigit() else "****", text
    )
    return _KEY_ID.sub(lambda m: f"{m.group(1)}…{m.group(3)}", text)


class SecretMaskingFilter(logging.Filter):
    """Formats the record's message (and traceback) now, masked, so handlers write no secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        if record.stack_info:
            message = f"{message}\n{record.stack_info}"
            record.stack_info = None
        record.msg = visible(mask_secrets(message))  # no terminal escapes in the log either
        record.args = None
        return True


def setup_file_logging(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Send labguide's (and botocore's warnings') log records to the masked log file."""
    from labguide.progress.store import private_file, private_folder

    path = path or log_path()
    private_folder(path.parent)
    private_file(path)  # 0600: error messages may quote request bodies
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretMaskingFilter())
    handler.set_name("labguide-file")
    root = logging.getLogger("labguide")
    for old in [h for h in root.handlers if h.get_name() == "labguide-file"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("botocore", "boto3", "urllib3", "werkzeug"):
        other = logging.getLogger(name)
        if not any(h.get_name() == "labguide-file" for h in other.handlers):
            other.addHandler(handler)
        other.setLevel(logging.WARNING)
    return path
