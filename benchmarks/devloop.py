"""A handle on a running ``wavecraft-build dev`` process for tests and benchmarks.

Starts the real CLI in JSON mode, reads its events on a thread, and offers ``wait_for``
on an event predicate. Used by tests/test_dev.py and benchmarks/bench_dev.py.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "crates" / "fixture-plugin"
Event = dict[str, Any]


def make_project(root: Path, *, build_sleep_s: float = 0.0) -> Path:
    """A plugin project around a copy of the fixture crate (optionally with a slow build.rs)."""
    # New mtimes (copy, not copy2): cargo must not take a fresh copy for the last one built.
    shutil.copytree(FIXTURE, root / "engine", ignore=shutil.ignore_patterns("target"),
                    copy_function=shutil.copy)
    (root / "pyproject.toml").write_text("[tool.wavecraft]\nextract-timeout = 5\n")
    if build_sleep_s:
        manifest = root / "engine" / "Cargo.toml"
        edition = 'edition = "2021"'
        manifest.write_text(manifest.read_text().replace(edition, f'{edition}\nbuild = "build.rs"'))
        ms = int(build_sleep_s * 1000)
        (root / "engine" / "build.rs").write_text(
            "// Stands in for a long compile so a build can be caught mid-flight.\n"
            "fn main() {\n"
            '    println!("cargo:rerun-if-changed=src");\n'
            f"    std::thread::sleep(std::time::Duration::from_millis({ms}));\n"
            "}\n"
        )
    return root


def set_chain(project: Path, chain: str) -> None:
    src = project / "engine" / "src" / "lib.rs"
    lines = src.read_text().splitlines(keepends=True)
    out = [
        f'const DEFAULT_CHAIN: &str = "{chain}";\n' if ln.startswith("const DEFAULT_CHAIN") else ln
        for ln in lines
    ]
    src.write_text("".join(out))


def free_port() -> int:
    """A loopback port nobody listens on right now (the engine binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DevProcess:
    """``wavecraft-build dev --json`` with the engine on a free port (``engine_port``)."""

    def __init__(self, project: Path, target_dir: Path, *extra: str, with_ui: bool = False,
                 env: dict[str, str] | None = None):
        self.engine_port = free_port()
        given = env or {}
        env = {**os.environ, "CARGO_TARGET_DIR": str(target_dir), **given}
        for inherited in ("WAVECRAFT_FIXTURE_MODE", "WAVECRAFT_FIXTURE_CHAIN"):
            if inherited not in given:  # a test's own process env must not leak in
                env.pop(inherited, None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wavecraft_build.cli", "dev", "--project", str(project),
             *([] if with_ui else ["--no-ui"]), "--json", "--port", str(self.engine_port),
             *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self.events: list[Event] = []
        self._queue: queue.Queue[Event | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                event = {"event": "non_json", "line": raw.decode("utf-8", "replace")}
            event["_t"] = time.monotonic()
            self._queue.put(event)
        self._queue.put(None)

    def wait_for(self, pred: Callable[[Event], bool], timeout: float = 60) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching event; saw {[e['event'] for e in self.events]}")
            try:
                event = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if event is None:
                raise EOFError(f"dev exited; saw {self.events}; stderr: {self.stderr()}")
            self.events.append(event)
            if pred(event):
                return event

    def wait_event(self, name: str, timeout: float = 60) -> Event:
        return self.wait_for(lambda e: e["event"] == name, timeout)

    def interrupt(self, timeout: float = 5) -> tuple[int, float]:
        start = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        return code, time.monotonic() - start

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read().decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            # Ctrl-C first: dev stops its engine and npm (a SIGKILL would orphan them).
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        self._reader.join(5)
