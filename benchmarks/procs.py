"""Processes as Linux's /proc shows them, read in one place for the benchmarks and tests:
who is whose child, a whole tree below a process, a process group's CPU time.

Each call reads one snapshot of ``/proc/*/stat``; a process that ends while it is read is
left out, as if it had ended a moment earlier.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Stat", "children", "descendants", "group_cpu", "snapshot", "wait_no_children"]


@dataclass(frozen=True)
class Stat:
    """The fields of ``/proc/PID/stat`` the tests use."""

    pid: int
    state: str
    ppid: int
    pgid: int
    #: User plus system CPU time, in seconds.
    cpu_s: float

    @property
    def live(self) -> bool:
        """Running or sleeping; a zombie (exited, not yet reaped) is not."""
        return self.state != "Z"


def snapshot() -> dict[int, Stat]:
    """Every process's stat, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, Stat] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name (field 2) may hold spaces and parentheses: split after it.
            fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
            pid = int(entry.name)
            out[pid] = Stat(pid, fields[0], int(fields[1]), int(fields[2]),
                            (int(fields[11]) + int(fields[12])) / tick)
        except (OSError, IndexError, ValueError):
            continue
    return out


def children(pid: int) -> list[int]:
    """Live (non-zombie) processes whose parent is ``pid``."""
    return [s.pid for s in snapshot().values() if s.ppid == pid and s.live]


def descendants(root: int) -> list[int]:
    """Every process below ``root``, zombies included (own sessions too: the parent link
    stays)."""
    below: dict[int, list[int]] = {}
    for stat in snapshot().values():
        below.setdefault(stat.ppid, []).append(stat.pid)
    found, todo = [], [root]
    while todo:
        for child in below.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def group_cpu(pgid: int) -> float:
    """CPU seconds of every process in the group."""
    return sum(s.cpu_s for s in snapshot().values() if s.pgid == pgid)


def wait_no_children(pid: int, timeout: float = 10.0) -> list[int]:
    """Waits up to ``timeout`` s for ``pid`` to have no live child; returns those left."""
    deadline = time.monotonic() + timeout
    while (left := children(pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
