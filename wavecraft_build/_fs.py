"""Atomic, change-aware file writes.

Every file this tool writes goes through ``write_atomic``: the bytes go to a temp file in
the same folder, are fsynced, and replace the target with one ``os.replace``, so a killed
process leaves either the old file or the new one, never half of one. A file whose bytes
would not change is not touched, so its mtime stays and file watchers (Vite, tsc --watch)
do not rebuild for nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o644) -> bool:
    """Write ``data`` to ``path`` atomically. Return False when the content was already there."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.stat().st_size == len(payload) and path.read_bytes() == payload:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    return True
