"""Atomic, change-aware file writes.

Every file this tool writes goes through ``write_atomic``: the bytes go to a temp file in
the same folder, are fsynced, and replace the target with one ``os.replace``, so a killed
process leaves either the old file or the new one, never half of one. A file whose bytes
would not change is not touched, so its mtime stays and file watchers (Vite, tsc --watch)
do not rebuild for nothing.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    StrPath = str | os.PathLike[str]

__all__ = ["write_atomic"]

_TEMP_ATTEMPTS = 100
_counter = 0  # temp names this process has used


def write_atomic(path: StrPath, data: bytes | str, *, mode: int = 0o644) -> bool:
    """Write ``data`` to ``path`` atomically. Return False when the content was already there."""
    path = os.fspath(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if os.stat(path).st_size == len(payload):
            with open(path, "rb") as fh:
                if fh.read() == payload:
                    return False
    except FileNotFoundError:
        pass
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    fd, tmp = _temp_file(folder, name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True


def _temp_file(folder: str, name: str) -> tuple[int, str]:
    """A new ``.NAME.<pid>-<n>.tmp`` next to the target, opened exclusively for writing.

    ``tempfile.mkstemp`` does the same but its import (random, shutil, weakref) costs more
    than a cache miss's three writes; pid plus a counter is unique on this host, and
    O_EXCL turns any collision (a shared folder, a recycled pid) into another try.
    """
    global _counter
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_TEMP_ATTEMPTS):
        _counter += 1
        tmp = os.path.join(folder, f".{name}.{os.getpid()}-{_counter}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {folder}")

