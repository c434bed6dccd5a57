"""Which private library copies the engine was given, and which one to restart with.

The supervisor hands the engine a private copy of every successful build (``Lib``). This
ledger keeps the copies that swapped in (oldest first; a few stay on disk to restart
from), the one in flight (sent, not yet confirmed) and the one playing. After a crash or a
hang it blames a copy and names the one to play next: the newest that has not crashed or
hung the engine, or a swap that was waiting behind a hung call. It takes no lock: the
supervisor calls it under its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = ["Lib", "Libraries"]

_KEEP_COPIES: Final = 3


@dataclass
class Lib:
    copy: Path
    parameters: list[dict[str, Any]]
    crashed: bool = False


class Libraries:
    """The copies of one supervisor's engine (see the module docstring)."""

    def __init__(self) -> None:
        self.swapped_in: list[Lib] = []  # swapped in successfully, oldest first
        self.inflight: Lib | None = None
        self.running: Lib | None = None

    def swapped(self, library: object) -> Lib | None:
        """The engine says it plays ``library`` (a copy's path); None if no copy is that."""
        lib = next((x for x in (self.inflight, *reversed(self.swapped_in))
                    if x is not None and str(x.copy) == library), None)
        if lib is None:
            return None
        if lib is self.inflight:
            self.inflight = None
        if lib not in self.swapped_in:
            self.swapped_in.append(lib)
        self.running = lib
        self._prune()
        return lib

    def _prune(self) -> None:
        # Old copies stay mapped in the engine anyway; on disk, keep a few to restart from.
        good = [x for x in self.swapped_in if not x.crashed]
        for old in good[:-_KEEP_COPIES]:
            if old is not self.running:
                self.swapped_in.remove(old)
                old.copy.unlink(missing_ok=True)

    def after_crash(self, *, external: bool, hung_library: str | None) -> Lib | None:
        """Blame the copy that crashed (or, by path, hung) the engine, none for a kill from
        outside; forget what was playing; return the copy to play next (None: none)."""
        retry = None
        if external:
            culprit, retry = None, self.inflight or self.running
        elif hung_library is None:
            culprit = self.inflight or self.running
        else:  # the one that hung; a swap that was waiting behind it gets its chance
            culprit = next((x for x in (self.inflight, *self.swapped_in)
                            if x is not None and str(x.copy) == hung_library), None)
            retry = self.inflight if self.inflight is not culprit else None
        if culprit is not None:
            culprit.crashed = True
        self.inflight = self.running = None
        return retry or next((x for x in reversed(self.swapped_in) if not x.crashed), None)
