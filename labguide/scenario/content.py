"""Where a scenario's content lives, and reading it without trusting it.

The content folder of a scenario at `<dir>/scenarios/<file>.yaml` is
`<dir>/content/<scenario id>/` (a scenario file outside a `scenarios` folder
uses `content/<scenario id>/` beside itself). A step's `content` is a relative
path inside that folder: no absolute paths, no `..`, no symlink leading out.
"""

from __future__ import annotations

import os
import stat
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


def read_regular(path: Path, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of a regular file. Anything else (a FIFO, a device, a socket)
    is refused without blocking: opened non-blocking, checked with fstat before a read.
    Raises OSError; NotRegularFile for what is not a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise NotRegularFile(6, "not a regular file (a FIFO, device or socket)")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class NotRegularFile(OSError):
    """A path that names a FIFO, a device or a socket."""


def confinement_root(content_dir: Path) -> Path:
    """The real folder content must stay in: the scenario's folder (the one holding
    `content/`), symlinks resolved, so a content folder that is itself a symlink out
    (content/<id> -> /etc) is outside it."""
    return content_dir.parent.parent.resolve()


def confined_path(content_dir: Path, relative: str) -> Path:
    """The file `relative` names inside `content_dir`; raises ContentPathError if it leaves
    it, or if the content folder itself leads out of the scenario's folder. Real paths
    (symlinks resolved) are compared."""
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
        outer = confinement_root(content_dir)
    except (OSError, RuntimeError) as exc:  # symlink loops
        raise ContentPathError(f"content path {relative!r} cannot be resolved: {exc}") from None
    if outer not in root.parents:
        raise ContentPathError(f"the content folder {content_dir} leads out of the scenario's "
                               f"folder {outer} (through a symlink, to {root})")
    if real != root and root not in real.parents:
        raise ContentPathError(f"content path {relative!r} leaves the content folder "
                               f"{content_dir} (through a symlink)")
    return path


def read_text(path: Path, what: str = "file") -> str:
    """The UTF-8 text of a file; raises ContentPathError with a one-line reason."""
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except IsADirectoryError:
        raise ContentPathError(f"{what} {path} is a directory, not a file") from None
    except FileNotFoundError:
        raise ContentPathError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise ContentPathError(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ContentPathError(f"{what} {path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentPathError(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None
    return text.replace("\r\n", "\n")
