"""Where a scenario's content lives, and reading it without trusting it.

The content folder of a scenario at `<dir>/scenarios/<file>.yaml` is
`<dir>/content/<scenario id>/` (a scenario file outside a `scenarios` folder
uses `content/<scenario id>/` beside itself). A step's `content` is a relative
path inside that folder: no absolute paths, no `..`, no symlink leading out.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

MAX_FILE_BYTES = 1_000_000


class ContentPathError(ValueError):
    """A content path that is unsafe or names no readable file; the message says which."""


def content_dir_for(scenario_path: Path, scenario_id: str) -> Path:
    parent = scenario_path.parent
    if parent.absolute().name == "scenarios":
        base = Path(os.path.normpath(parent / os.pardir))
    else:
        base = parent
    return base / "content" / scenario_id


def confined_path(content_dir: Path, relative: str) -> Path:
    """The file `relative` names inside `content_dir`; raises ContentPathError if it leaves it."""
    if "\x00" in relative:
        raise ContentPathError("content path contains a NUL character")
    posix, windows = PurePosixPath(relative), PureWindowsPath(relative)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or relative.startswith("\\"):
        raise ContentPathError(f"content path {relative!r} must be relative to the content "
                               f"folder {content_dir}")
    if ".." in posix.parts or ".." in windows.parts:
        raise ContentPathError(f"content path {relative!r} leaves the content folder "
                               f"{content_dir} ('..')")
    path = content_dir / posix
    try:
        root = content_dir.resolve()
        real = path.resolve()
    except (OSError, RuntimeError) as exc:  # symlink loops
        raise ContentPathError(f"content path {relative!r} cannot be resolved: {exc}") from None
    if real != root and root not in real.parents:
        raise ContentPathError(f"content path {relative!r} leaves the content folder "
                               f"{content_dir} (through a symlink)")
    return path


def read_text(path: Path, what: str = "file") -> str:
    """The UTF-8 text of a file; raises ContentPathError with a one-line reason."""
    try:
        if path.is_dir():
            raise ContentPathError(f"{what} {path} is a directory, not a file")
        if not path.exists():
            raise ContentPathError(f"{what} {path} does not exist")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ContentPathError(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ContentPathError(f"{what} {path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentPathError(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None
    return text.replace("\r\n", "\n")
