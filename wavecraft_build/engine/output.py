"""What plugin code prints in the engine process: drained by a thread of its own, forwarded
to the dev terminal line by line, prefixed and rate-limited.

``PluginOutput.install`` points fds 1 and 2 (where Rust's ``println!``/``eprintln!`` and
the panic hook write) at a pipe, enlarged to ``PIPE_BYTES`` where the system allows, and
Python's ``sys.stdout``/``sys.stderr`` at a duplicate of the real stderr. One reader thread
reads the pipe as fast as it fills, so a plugin that prints (a megabyte inside one
``process`` call, or forever from a thread of its own) never blocks on a full pipe, and no
DSP call waits for it: nothing on the audio thread touches this module. Each line reaches
the terminal as ``[plugin] ...``, at most ``LINES_PER_SECOND`` a second (the rest are
counted and summarised once a second), long lines cut at ``MAX_LINE`` characters. Panics
are not read from here: the SDK reports them as data (``_dsp_host.DspPanic``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import sys
import threading
import time
from typing import Final

__all__ = ["LINES_PER_SECOND", "MAX_LINE", "PIPE_BYTES", "PREFIX", "PluginOutput"]

PREFIX: Final = "[plugin] "
LINES_PER_SECOND: Final = 50
MAX_LINE: Final = 500
PIPE_BYTES: Final = 1 << 20
_F_SETPIPE_SZ: Final = getattr(fcntl, "F_SETPIPE_SZ", 1031)


class PluginOutput:
    """fd 1 and fd 2 of this process, drained and forwarded (install once per process)."""

    def __init__(self) -> None:
        self._real = -1
        self.lines = 0
        self.dropped = 0

    def install(self) -> None:
        read_fd, write_fd = os.pipe()
        with contextlib.suppress(OSError):  # Linux only; elsewhere the default size
            fcntl.fcntl(write_fd, _F_SETPIPE_SZ, PIPE_BYTES)
        self._real = os.dup(2)
        for fd in (1, 2):
            os.dup2(write_fd, fd)
        os.close(write_fd)
        real = open(self._real, "w", buffering=1, closefd=False)  # noqa: SIM115 - for the process
        sys.stdout = real
        sys.stderr = real
        threading.Thread(target=self._drain, args=(read_fd,), name="wavecraft-plugin-output",
                         daemon=True).start()

    def _drain(self, read_fd: int) -> None:
        partial = b""
        window_start, shown = time.monotonic(), 0
        poller = select.poll()
        poller.register(read_fd, select.POLLIN)
        while True:
            try:
                ready = poller.poll(1000)
                data = os.read(read_fd, 1 << 16) if ready else None
            except OSError:
                return
            if data is None:  # a quiet second: say how many lines a flood cost
                self._summary()
                window_start, shown = time.monotonic(), 0
                continue
            if not data:
                return
            *lines, partial = (partial + data).split(b"\n")
            if len(partial) > MAX_LINE * 4:  # a line without end: show it in pieces
                lines.append(partial)
                partial = b""
            now = time.monotonic()
            if now - window_start >= 1.0:
                self._summary()
                window_start, shown = now, 0
            out = []
            for raw in lines:
                self.lines += 1
                if shown >= LINES_PER_SECOND:
                    self.dropped += 1
                    continue
                shown += 1
                text = raw.decode("utf-8", "replace").rstrip("\r")
                if len(text) > MAX_LINE:
                    text = text[:MAX_LINE] + " [...]"
                out.append(f"{PREFIX}{text}\n")
            if out:
                self._write("".join(out))

    def _summary(self) -> None:
        if self.dropped:
            self._write(f"{PREFIX}... {self.dropped} more lines not shown "
                        f"(at most {LINES_PER_SECOND} a second)\n")
            self.dropped = 0

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self._real, text.encode("utf-8", "replace"))
