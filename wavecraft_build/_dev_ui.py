"""The dev loop's UI dev server: install ui/node_modules if missing, run ``npm run dev``.

Runs on a thread of its own so the watcher starts at once: without ``node_modules`` it
first runs ``npm ci`` (``npm install`` without a lockfile), as ``release`` does, with a
progress line before and after; then, once the first build has written ``src/generated/``
(``bindings_ready``), ``npm run dev`` with the engine's address in
``VITE_WAVECRAFT_ENGINE_URL`` (the generated client reads it). Vite's output goes to
stderr (``--json`` keeps stdout machine-readable) and its "Local: http://..." line
becomes a ``ui_url`` event; a dev server that exits by itself is a ``ui_exited`` warning
(the engine and the watcher keep running). ``stop`` kills whichever npm is running, as a
process group.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from wavecraft_build._proc import Cancelled, kill_group, run_lines, spawn

__all__ = ["UiServer"]

_LOCAL_URL: Final = re.compile(r"Local:\s+(https?://\S+)")
_ANSI: Final = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STOP_GRACE: Final = 0.5

#: The dev loop's ``Events.emit(event, message, **fields)``.
Emit = Callable[..., None]


class UiServer:
    """``npm ci`` when needed, then ``npm run dev`` in ``ui``, until ``stop``."""

    def __init__(self, ui: Path, emit: Emit, engine_url: str | None,
                 bindings_ready: threading.Event | None = None) -> None:
        self.ui = ui
        self._bindings_ready = bindings_ready
        self._emit = emit
        self._engine_url = engine_url
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None

    def start(self) -> None:
        npm = shutil.which("npm")
        if npm is None:
            self._emit("ui_skipped", "UI dev server not started: npm is not installed "
                       "(install Node.js 20+)")
            return
        self._thread = threading.Thread(target=self._run, args=(npm,), name="wavecraft-ui",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            proc = self._proc
        if proc is not None:
            kill_group(proc)
        if self._thread is not None:
            # A running `npm ci` is killed by run_lines' cancel watcher (within ~50 ms):
            # wait for it, or the interpreter could exit first and leave npm behind.
            self._thread.join(_STOP_GRACE)

    def _run(self, npm: str) -> None:
        if not (self.ui / "node_modules").is_dir() and not self._install(npm):
            return
        # Vite starts after the first build wrote the bindings. Started earlier, its watcher
        # could report those first writes after a page had already loaded the files, and
        # Vite answers that with a full page reload (the page's state lost).
        while self._bindings_ready is not None and not self._bindings_ready.wait(0.05):
            if self._stop.is_set():
                return
        env = dict(os.environ)
        if self._engine_url is not None:
            env["VITE_WAVECRAFT_ENGINE_URL"] = self._engine_url
        with self._lock:
            if self._stop.is_set():
                return
            self._emit("ui_started", f"Starting UI dev server (npm run dev in {self.ui})")
            self._proc = spawn([npm, "run", "dev"], cwd=self.ui, env=env,
                               stdout=subprocess.PIPE, stderr=sys.stderr)
        assert self._proc.stdout is not None
        with self._proc.stdout as out:
            for raw in out:
                self._vite_line(raw.decode("utf-8", "replace"))
        code = self._proc.wait()
        if not self._stop.is_set():  # it died on its own: never silently
            self._emit("ui_exited", f"warning: the UI dev server (npm run dev in {self.ui}) "
                       f"exited with status {code}; the engine and the watcher keep running "
                       "(its output is above; restart dev to start it again)", exit_code=code)

    def _vite_line(self, line: str) -> None:
        sys.stderr.write(line)
        sys.stderr.flush()
        plain = _ANSI.sub("", line)
        # npm echoes the script ("> vite") before running it: that line is not Vite's.
        found = None if plain.startswith(">") else _LOCAL_URL.search(plain)
        if found and self.url is None:
            self.url = found.group(1)
            self._emit("ui_url", f"UI on {self.url}", url=self.url)

    def _install(self, npm: str) -> bool:
        locked = (self.ui / "package-lock.json").is_file()
        argv = [npm, "ci" if locked else "install", "--no-audit", "--no-fund"]
        label = f"npm {argv[1]}"
        self._emit("ui_install", f"Installing UI dependencies ({label} in {self.ui})...")
        start = time.perf_counter()
        lines: list[str] = []

        def show(line: str) -> None:
            lines.append(line)
            sys.stderr.write(line)

        try:
            code = run_lines(argv, cwd=self.ui, on_stdout=show, stderr=subprocess.STDOUT,
                             cancel=self._stop)
        except (Cancelled, OSError):
            return False
        if code != 0:
            tail = next((ln.strip() for ln in reversed(lines) if "ERR" in ln), "")
            self._emit("ui_skipped", f"UI dev server not started: `{label}` failed "
                       f"(exit {code}) {tail}".rstrip(), exit_code=code)
            return False
        self._emit("ui_installed", f"UI dependencies installed in "
                   f"{time.perf_counter() - start:.1f} s")
        return True
