"""Catch the Rust panic messages of plugin code by reading the engine's own fd 2.

The SDK catches every unwind at the C boundary (``catch_unwind``), so a panicking DSP
simply returns; the only trace is the panic hook's text on stderr ("thread '...' panicked
at src/lib.rs:10:5:\\nmessage"). ``StderrTap.install`` points fds 1 and 2 at a pipe and
Python's ``sys.stdout``/``sys.stderr`` at a duplicate of the real stderr; after every DSP
call the caller ``poll``s the pipe (non-blocking, all the hook's writes are done by the
time the call returns), gets the panic message if there was one, and everything read is
forwarded to the real stderr so plugin prints stay visible.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from typing import Final

__all__ = ["StderrTap", "panic_message"]

_PANIC: Final = re.compile(r"panicked at (?:'(?P<old>.*?)', )?(?P<where>[^\n]*?):?\n(?P<msg>.*)",
                           re.DOTALL)


def panic_message(text: str) -> str | None:
    """The message of the first Rust panic in ``text`` ("message (at file:line:col)")."""
    m = _PANIC.search(text)
    if m is None:
        return None
    if m.group("old"):  # Rust < 1.73: panicked at 'message', src/lib.rs:10:5
        return f"{m.group('old')} (at {m.group('where')})"
    lines = [ln for ln in m.group("msg").splitlines() if ln.strip()]
    body = []
    for ln in lines:
        if ln.startswith(("note: ", "stack backtrace:", "thread '")):
            break
        body.append(ln.strip())
    message = " ".join(body)[:500] or "panic"
    return f"{message} (at {m.group('where').rstrip(':')})"


class StderrTap:
    """fd 1 and fd 2 of this process read back through a pipe (install once per process)."""

    def __init__(self) -> None:
        self._read_fd = -1
        self._real = -1
        self._lock = threading.Lock()

    def install(self) -> None:
        read_fd, write_fd = os.pipe()
        self._real = os.dup(2)
        os.set_blocking(read_fd, False)
        for fd in (1, 2):
            os.dup2(write_fd, fd)
        os.close(write_fd)
        self._read_fd = read_fd
        real = open(self._real, "w", buffering=1, closefd=False)  # noqa: SIM115 - for the process
        sys.stdout = real
        sys.stderr = real

    def poll(self) -> str | None:
        """Read what plugin code wrote since the last poll; forward it; its panic message."""
        if self._read_fd < 0 or not self._lock.acquire(blocking=False):
            return None
        try:
            chunks = []
            while True:
                try:
                    data = os.read(self._read_fd, 65536)
                except BlockingIOError:
                    break
                if not data:
                    break
                chunks.append(data)
        finally:
            self._lock.release()
        if not chunks:
            return None
        raw = b"".join(chunks)
        with contextlib.suppress(OSError):
            os.write(self._real, raw)
        return panic_message(raw.decode("utf-8", "replace"))
