"""Drive the test hosts (editor tests and benchmarks): one command line in, one JSON line out.

``LineHost(argv, log)`` starts a host in its own process group (stderr, where a plugin's
log lines go, into ``log``); ``cmd("set 42 0.5")`` returns the answer (the line whose
``cmd`` is the command's first word) as a dict and fails the test on ``{"ok": false}``
unless ``check=False``; ``expect(name)`` waits for a line the host sends by itself (the
pedalboard host's ``closed``). ``ClapHost(binary, log)`` is the CLAP test host (commands:
tests/hosts/clap-host/src/commands.rs; ``build_clap_host`` builds it);
``PedalboardHost(vst3, log)`` the VST3 editor host on pedalboard
(tests/hosts/pedalboard_editor.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from wavecraft_build import _proc

__all__ = [
    "CLAP_HOST_CRATE", "PEDALBOARD_EDITOR", "ClapHost", "LineHost", "PedalboardHost",
    "build_clap_host", "rss_kb",
]

REPO = Path(__file__).resolve().parent.parent
PEDALBOARD_EDITOR = REPO / "tests" / "hosts" / "pedalboard_editor.py"
CLAP_HOST_CRATE = REPO / "tests" / "hosts" / "clap-host"
_BUILD_TIMEOUT = 1200.0


def build_clap_host(target_dir: Path) -> Path:
    """Build the CLAP test host into ``target_dir/hosts`` (once; later calls only check),
    under a file lock so two sessions never build it at once; its binary."""
    out = target_dir / "hosts"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CARGO_TARGET_DIR": str(out)}
    with (out / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = _proc.run(["cargo", "build", "--locked", "--manifest-path",
                          str(CLAP_HOST_CRATE / "Cargo.toml")], env=env, timeout=_BUILD_TIMEOUT)
    if not done.ok:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        raise RuntimeError(f"building the CLAP test host failed:\n{tail}")
    return out / "debug" / "wavecraft-clap-test-host"


def rss_kb(pid: int) -> int:
    """Resident set size of ``pid`` in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


class LineHost:
    def __init__(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self._backlog: list[dict[str, Any]] = []
        self.proc = _proc.spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=self._log_file, env=env)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cmd(self, line: str, *, timeout: float = 60.0, check: bool = True) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise AssertionError(f"the host is gone ({self._status()}); asked {line!r}") from None
        return self.expect(line.split()[0], timeout=timeout, check=check, asked=line)

    def expect(self, name: str, *, timeout: float = 60.0, check: bool = True,
               asked: str = "") -> dict[str, Any]:
        """The next answer line whose ``cmd`` is ``name`` (others wait in a backlog)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, answer in enumerate(self._backlog):
                if answer.get("cmd") == name:
                    del self._backlog[i]
                    if check and not answer["ok"]:
                        raise AssertionError(f"{asked or name!r} failed: {answer['error']}")
                    return answer
            self._backlog.append(self._read_line(deadline, asked or name))

    def _read_line(self, deadline: float, what: str) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the host did not answer {what!r} in time")
            if not self._selector.select(left):
                continue
            chunk = self.proc.stdout.read()
            if chunk == b"":
                raise AssertionError(f"the host ended ({self._status()}) on {what!r}")
            if chunk:
                self._buffer += chunk
        answer, self._buffer = self._buffer.split(b"\n", 1)
        result: dict[str, Any] = json.loads(answer)
        return result

    def _status(self) -> str:
        code = _proc.wait(self.proc, 5)
        log = self.log.read_text(errors="replace")[-2000:]
        return f"exit {code}" + (f" ({_proc.signal_name(code)})" if code and code < 0 else "") + \
            f"; its stderr ends:\n{log}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> int | None:
        """Ask the host to quit (it destroys editor and plugin in order); the exit code."""
        if self.alive():
            with contextlib.suppress(AssertionError):
                self.cmd("quit", timeout=20, check=False)
        code = _proc.wait(self.proc, 20)
        _proc.kill_group(self.proc)
        self._selector.close()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()
        self._log_file.close()
        return code

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class ClapHost(LineHost):
    """The CLAP test host (tests/hosts/clap-host), built by ``clap_test_host``."""

    def __init__(self, binary: Path, log: Path, env: dict[str, str] | None = None) -> None:
        super().__init__([str(binary)], log, env)


class PedalboardHost(LineHost):
    """pedalboard showing a VST3's editor, in a Python child of its own."""

    def __init__(self, vst3: Path, log: Path, env: dict[str, str] | None = None) -> None:
        super().__init__([sys.executable, str(PEDALBOARD_EDITOR), str(vst3)], log, env)
