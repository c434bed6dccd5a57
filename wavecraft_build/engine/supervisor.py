"""The dev loop's side of the engine: start it, hot-swap it, restart it when it dies.

``EngineSupervisor`` runs in the watcher process and never loads plugin code itself. It
starts ``python -m wavecraft_build.engine`` through ``_proc.spawn`` (own process group,
killed as a group on every exit path), sends a ``swap`` after every successful reload (a
private copy of the new library, so the next cargo build cannot change it under the
engine), and reads the engine's events on a pipe of their own. When the engine process
dies (segfault, abort in plugin code; a SIGKILL from outside blames no library), or says
that a DSP call hung (``dsp_hung``, from its watchdog; the supervisor then kills it), it
says why in one line and starts a new one with the newest library that has not crashed or
hung it, and the last values; the UI reconnects by itself. Events go through the dev
loop's ``emit``: ``engine_started``, ``engine_swapped``, ``engine_failed``,
``engine_warning``. ``launch`` holds the engine's options and command line, ``libraries``
which copies it was given and which to restart with.

This module (and those two) imports no numpy, cffi or websockets: the dev loop stays light.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from wavecraft_build._proc import kill_group, signal_name, spawn
from wavecraft_build.engine.launch import EngineOptions, require_packages
from wavecraft_build.engine.libraries import Lib, Libraries
from wavecraft_build.engine.staging import stage_copy
from wavecraft_build.errors import ConfigError, RuntimeLoadError
from wavecraft_build.metadata import ExtractionResult

__all__ = ["EngineOptions", "EngineSupervisor"]

_START_TIMEOUT: Final = 30.0
_MAX_RESTARTS: Final = 5  # within _RESTART_WINDOW seconds, then give up
_RESTART_WINDOW: Final = 30.0

#: The dev loop's ``Events.emit(event, message, **fields)``.
Emit = Callable[..., None]


@dataclass
class _Process:
    proc: subprocess.Popen[bytes]
    ready: threading.Event = field(default_factory=threading.Event)
    ready_event: dict[str, Any] = field(default_factory=dict)
    #: Why the supervisor killed it (a hung DSP call), reported instead of the signal, and
    #: the library copy that hung.
    killed_because: str | None = None
    hung_library: str | None = None


def _close_stdin(p: _Process) -> None:
    if p.proc.stdin is not None:
        with contextlib.suppress(OSError):
            p.proc.stdin.close()


class EngineSupervisor:
    """Owns the engine process for the life of the dev loop."""

    def __init__(self, options: EngineOptions, emit: Emit) -> None:
        self.options = options
        self._emit = emit
        self._scratch = Path(tempfile.mkdtemp(prefix="wavecraft-dev-engine-"))
        self._lock = threading.RLock()
        self._current: _Process | None = None
        self._libs = Libraries()
        self._stopping = False
        self._restarts: list[float] = []
        self._stats = threading.Condition()
        self._last_stats: dict[str, Any] | None = None
        #: The engine's parameter values as last reported: a restarted engine starts there.
        self._values: dict[str, float] = {}
        #: The dev UI's URLs (``allow_origin``), told to every engine process started.
        self._origins: list[str] = []
        #: The latest ``test_results`` command, told again to a restarted engine.
        self._results: dict[str, Any] | None = None
        self.pid: int | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the engine and wait until it listens (a busy port is a ``ConfigError``)."""
        require_packages()
        self._spawn()
        p = self._current
        assert p is not None
        if not p.ready.wait(_START_TIMEOUT) or p.ready_event.get("event") != "ready":
            failed = p.ready_event
            self.stop()
            if failed.get("event") == "bind_failed":
                raise ConfigError(
                    f"port {self.options.port} on 127.0.0.1 is busy: another program listens "
                    "there",
                    hint="stop whatever listens there, or pass --port N "
                    "(or set [tool.wavecraft] dev-port)",
                )
            raise RuntimeLoadError(
                f"the dev engine did not start: {failed.get('error', 'no answer')}",
                hint="run with --no-engine to work without it, and report this",
            )
        self._emit(
            "engine_started",
            f"Engine on {self.options.url} ({self.options.sample_rate} Hz, "
            f"{self.options.block_size}-frame blocks, input {self.options.input})",
            url=self.options.url, port=self.options.port, pid=p.proc.pid,
        )

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            p, self._current = self._current, None
        if p is not None:
            kill_group(p.proc)
            _close_stdin(p)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _spawn(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            proc = spawn(self.options.argv(write_fd, self._scratch), stdin=subprocess.PIPE,
                         pass_fds=(write_fd,))
        finally:
            os.close(write_fd)
        p = _Process(proc)
        with self._lock:
            stopped = self._stopping
            if not stopped:
                self._current = p
                self.pid = proc.pid
        if stopped:  # stop() ran while a crashed engine was being replaced
            kill_group(proc)
            _close_stdin(p)
            os.close(read_fd)
            return
        threading.Thread(target=self._monitor, args=(p, read_fd), name="wavecraft-engine-events",
                         daemon=True).start()
        if self.options.project is not None:  # on stdin, like the rest: argv stays short
            self._send({"cmd": "project", "path": str(self.options.project)})
        for url in self._origins:
            self._send({"cmd": "allow_origin", "url": url})
        if self._results is not None:
            self._send(self._results)

    # -- commands ------------------------------------------------------------------------

    def swap(self, library: Path, result: ExtractionResult) -> Path:
        """Hand the engine a private copy of ``library`` to swap in; returns at once, with
        the copy's path (``engine_swapped`` names it when the engine has swapped)."""
        lib = Lib(stage_copy(library, self._scratch), result.to_json()["parameters"])
        with self._lock:
            if self._current is None and not self._stopping:
                self._spawn()  # it had given up after repeated crashes: a new build, a new try
            self._libs.inflight = lib
            self._send({"cmd": "swap", "library": str(lib.copy), "parameters": lib.parameters})
        return lib.copy

    def allow_origin(self, url: str) -> None:
        """Let the page served at ``url`` (the dev UI) connect, now and after restarts."""
        with self._lock:
            self._origins.append(url)
            self._send({"cmd": "allow_origin", "url": url})

    def presets_changed(self) -> None:
        """A preset file changed on disk: the page lists the presets again (no rebuild)."""
        self._send({"cmd": "presets_changed"})

    def test_results(self, results: dict[str, Any], folder: Path | None) -> None:
        """Show ``results`` (a ``TestResults``, ``dev --test``) in the page; their plots are
        under ``folder``. Returns at once: a write to the engine's stdin, never a wait."""
        command = {"cmd": "test_results", "results": results,
                   "folder": str(folder) if folder is not None else None}
        with self._lock:
            self._results = command
            self._send(command)

    def stats(self, timeout: float = 5.0) -> dict[str, Any] | None:
        """The engine's block counters (blocks, late, dropped, swaps...), for tests/benchmarks."""
        with self._stats:
            self._last_stats = None
            self._send({"cmd": "stats"})
            self._stats.wait_for(lambda: self._last_stats is not None, timeout)
            return self._last_stats

    def _send(self, command: dict[str, Any]) -> None:
        with self._lock:
            p = self._current
            if p is None or p.proc.stdin is None:
                return
            # A dead engine is noticed by _monitor, which may have closed its stdin already
            # (ValueError): the command is not lost, _crashed replays the swap in flight.
            with contextlib.suppress(OSError, ValueError):
                p.proc.stdin.write((json.dumps(command) + "\n").encode())
                p.proc.stdin.flush()

    # -- events --------------------------------------------------------------------------

    def _monitor(self, p: _Process, read_fd: int) -> None:
        with open(read_fd, encoding="utf-8", errors="replace") as events:
            for line in events:
                # A garbled line must not stop the reading: the next events still matter.
                with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
                    self._on_event(p, json.loads(line))
        code = p.proc.wait()
        _close_stdin(p)
        p.ready.set()
        with self._lock:
            if self._stopping or self._current is not p:
                return
        self._crashed(code, p.killed_because, p.hung_library)

    def _on_event(self, p: _Process, ev: dict[str, Any]) -> None:
        kind = ev.get("event")
        if kind in ("ready", "bind_failed", "start_failed"):
            p.ready_event = ev
            p.ready.set()
        elif kind == "swapped":
            self._swapped(ev)
        elif kind == "swap_failed":
            with self._lock:
                self._libs.inflight = None
            self._emit("engine_failed", f"Engine kept the old DSP: {ev.get('error')}",
                       reason="swap_failed", error=ev.get("error"), restarted=False)
        elif kind == "dsp_failed":
            self._emit("engine_failed", f"Engine muted the DSP: {ev.get('message')} "
                       "(waiting for the next reload)", reason="dsp_failed",
                       error=ev.get("message"), restarted=False)
        elif kind == "refused":
            self._emit("engine_warning", f"warning: the engine refused a WebSocket client: "
                       f"{ev.get('message')} (allow an origin with WAVECRAFT_DEV_ORIGINS)",
                       warning=ev.get("message"))
        elif kind == "dsp_slow":
            self._emit("engine_warning", f"warning: {ev.get('message')}",
                       warning=ev.get("message"))
        elif kind == "dsp_hung":
            # Plugin code cannot be interrupted: the process goes, like a crash (_monitor
            # sees it exit and restarts with the last good library).
            p.killed_because = str(ev.get("message") or "a DSP call hung")
            p.hung_library = str(ev.get("library"))
            kill_group(p.proc)
        elif kind == "values":
            with self._lock:
                self._values = dict(ev.get("values") or {})
        elif kind == "warning":
            self._emit("engine_warning", f"warning: {ev.get('message')}",
                       warning=ev.get("message"))
        elif kind == "stats":
            with self._stats:
                self._last_stats = ev
                self._stats.notify_all()

    def _swapped(self, ev: dict[str, Any]) -> None:
        with self._lock:
            if self._libs.swapped(ev.get("library")) is None:
                return
        self._emit("engine_swapped",
                   f"Engine swapped in the new DSP ({ev.get('parameters')} parameters, "
                   f"{float(ev.get('seconds', 0)) * 1000:.0f} ms)",
                   library=ev.get("library"), parameters=ev.get("parameters"),
                   changed=ev.get("changed"), seconds=ev.get("seconds"))

    def _crashed(self, code: int, hung: str | None = None,
                 hung_library: str | None = None) -> None:
        why = hung or (signal_name(code) if code < 0 else f"exit status {code}")
        how = "was stopped:" if hung else "died"
        # SIGKILL from outside (the OOM killer, a user; the supervisor's own kills say why)
        # is no library's fault: none is blamed, and the newest one is played again.
        external = hung is None and code == -signal.SIGKILL
        where = "" if hung or external else " in plugin code"
        reason = "hung" if hung else "crashed"
        with self._lock:
            fallback = self._libs.after_crash(external=external, hung_library=hung_library)
            now = time.monotonic()
            self._restarts = [t for t in self._restarts if now - t < _RESTART_WINDOW] + [now]
            give_up = len(self._restarts) > _MAX_RESTARTS
        if give_up:
            self._emit("engine_failed", f"Engine process {how} ({why}) {_MAX_RESTARTS} times in "
                       f"{_RESTART_WINDOW:.0f} s; not restarting until the next reload",
                       reason=reason, signal=why, restarted=False)
            with self._lock:
                self._restarts.clear()
                self._current = None
            return
        message = f"{why}; playing the last good build" if hung else (
            f"the engine was killed ({why}); playing the last good build" if external
            else f"the engine crashed ({why}); fix the DSP")
        # One lock from the spawn to the first command: a reload that swaps meanwhile either
        # wrote to the dead engine (it is then the newest library and is played instead of
        # the older fallback) or comes after this swap; it can never be overtaken by it.
        with self._lock:
            self._spawn()
            if self._libs.inflight is not None:
                fallback = self._libs.inflight
            self._libs.inflight = fallback
            if fallback is not None:
                self._send({"cmd": "swap", "library": str(fallback.copy),
                            "parameters": fallback.parameters, "values": self._values,
                            "diagnostic": {"code": reason, "message": message,
                                           "hint": "the next successful reload recovers"}})
            else:
                self._send({"cmd": "fail", "message": message})
        kept = "the last good library" if fallback is not None else "no DSP"
        self._emit("engine_failed", f"Engine process {how} ({why}){where}; restarted "
                   f"with {kept}", reason=reason, signal=why, restarted=True)
