"""Unique copies of a plugin library, so every load maps a new image.

``dlopen`` of a path that is already loaded returns the old image, and a Rust cdylib is
never unloaded, so each hot swap loads a copy with a name never used before. The dev loop
copies right after a successful build (the next cargo build cannot change it under the
engine), the engine copies again only if it is handed a path it has already loaded.
Standard library only: the dev loop imports this without numpy or cffi.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

__all__ = ["stage_copy"]

_COUNTER = itertools.count(1)


def stage_copy(library: Path, directory: Path) -> Path:
    """Copy ``library`` to a new, never reused name in ``directory`` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    while True:
        dest = directory / f"{library.stem}.{os.getpid()}.{next(_COUNTER)}{library.suffix}"
        if not dest.exists():
            break
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(library, tmp)
    tmp.replace(dest)
    return dest
