"""A fresh shell for end-to-end tests: only nox on PATH, wavecraft-build served as a wheel.

``fresh_shell`` is what a plugin author has after ``pip install nox``: the PATH of this
session without the tool's venv, no ``VIRTUAL_ENV``, and ``PIP_FIND_LINKS`` pointing at a
wheel of this checkout (built once per session with hatchling through ``pip wheel``), so
that ``pip`` and nox's script mode find ``wavecraft-build==<version>`` exactly as a package
index would serve it; its dependencies come from the real index. Commands are README or
``Next:`` lines, run in order; ``cd`` changes the folder of the following ones.
"""

from __future__ import annotations

import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import REPO

__all__ = ["FreshShell", "fresh_shell", "local_wheelhouse"]

_DROP = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "NOX_SCRIPT_MODE", "WAVECRAFT_FIXTURE_MODE",
         "WAVECRAFT_FIXTURE_CHAIN", "WAVECRAFT_DEV_JSON")
TIMEOUT = 1800.0


@dataclass
class FreshShell:
    env: dict[str, str]
    cwd: Path
    seconds: dict[str, float] = field(default_factory=dict)

    def which(self, name: str) -> str | None:
        return shutil.which(name, path=self.env["PATH"])

    def run(self, line: str, *, extra_env: dict[str, str] | None = None) -> str:
        """Run one command line (comment stripped); return its output; fail on error."""
        argv = shlex.split(line.split("#", 1)[0])
        if argv[0] == "cd":
            self.cwd = self.cwd / argv[1]
            return ""
        start = time.monotonic()
        if argv[-3:] == ["nox", "-s", "dev"] or argv[-2:] == ["-s", "dev"]:
            out = self._run_until_reload(argv)
        else:
            done = subprocess.run(argv, cwd=self.cwd, env={**self.env, **(extra_env or {})},
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=TIMEOUT, check=False)
            out = done.stdout + done.stderr
            assert done.returncode == 0, f"`{line}` failed ({done.returncode}):\n{out[-4000:]}"
        assert "Traceback" not in out, f"`{line}` printed a traceback:\n{out[-4000:]}"
        self.seconds[line] = time.monotonic() - start
        return out

    def _run_until_reload(self, argv: list[str]) -> str:
        """``nox -s dev`` until its first reload, then Ctrl-C as a terminal would send it."""
        proc = subprocess.Popen(argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                lines.put(raw.decode("utf-8", "replace"))
            lines.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        seen: list[str] = []
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=1.0)
                except queue.Empty:
                    continue
                if line is None:
                    break
                seen.append(line)
                if "Watching" in line:
                    break
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            reader.join(timeout=30)
            assert proc.stdout is not None
            proc.stdout.close()
        text = "".join(seen)
        assert "Hot-reload complete — 6 parameters" in text, text[-4000:]
        return text


@pytest.fixture(scope="session")
def local_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a wheel of this checkout, as an index would serve it."""
    out = tmp_path_factory.mktemp("wheelhouse")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(REPO)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list(out.glob("wavecraft_build-*.whl"))) == 1
    return out


def _fresh_env(wheelhouse: Path, target_dir: Path) -> dict[str, str]:
    tool_bin = Path(sys.executable).parent
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep)
            if p and Path(p).resolve() != tool_bin.resolve()]
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(PATH=os.pathsep.join(path), PIP_FIND_LINKS=str(wheelhouse),
               PIP_DISABLE_PIP_VERSION_CHECK="1", CARGO_TARGET_DIR=str(target_dir))
    return env


@pytest.fixture
def fresh_shell(
    local_wheelhouse: Path, cargo_target_dir: Path, tmp_path: Path
) -> FreshShell:
    """A shell where nox is on PATH and wavecraft-build is not importable anywhere on it."""
    env = _fresh_env(local_wheelhouse, cargo_target_dir)
    shell = FreshShell(env, tmp_path)
    if shell.which("nox") is None:  # give this machine's user what the README installs
        venv = tmp_path / "nox-venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "nox"],
                       env=env, check=True, timeout=600)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    nox = shell.which("nox")
    assert nox is not None
    probe = subprocess.run([nox, "--version"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr
    assert shell.which("wavecraft-build") is None, "the tool is on the fresh PATH"
    return shell
