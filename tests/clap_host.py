"""Drive the CLAP test host (tests/hosts/clap-host): one command line in, one JSON answer.

``ClapHost(binary, log)`` starts the host in its own process group (stderr, where the
plugin's log lines go, into ``log``); ``cmd("set 42 0.5")`` returns the answer as a dict
and fails the test on ``{"ok": false}`` unless ``check=False``. The host's commands are
listed in its ``src/commands.rs``.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from wavecraft_build import _proc

__all__ = ["ClapHost", "rss_kb"]


def rss_kb(pid: int) -> int:
    """Resident set size of ``pid`` in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


class ClapHost:
    def __init__(self, binary: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.proc = _proc.spawn([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
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
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the host did not answer {line!r} within {timeout:.0f} s")
            if not self._selector.select(left):
                continue
            chunk = self.proc.stdout.read()
            if chunk == b"":
                raise AssertionError(f"the host ended ({self._status()}) on {line!r}")
            if chunk:
                self._buffer += chunk
        answer, self._buffer = self._buffer.split(b"\n", 1)
        result: dict[str, Any] = json.loads(answer)
        if check and not result["ok"]:
            raise AssertionError(f"{line!r} failed: {result['error']}")
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

    def __enter__(self) -> ClapHost:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
