"""How this tool starts every process it runs: own process group, whole-group kill.

Every child (cargo, git, npm, Vite, maturin, the dev engine, the validators, the extraction
child) is started here, in a new session, so that it and everything it spawns form one
process group, with only the descriptors it is given (stdio plus ``pass_fds``; Python makes
every other descriptor non-inheritable, PEP 446). ``kill_group`` ends that group with
SIGKILL; ``guard`` does it on every exit path (timeout, cancel, Ctrl-C, error), which is
what makes "no orphan survives" true without relying on the child's cooperation.

- ``spawn``: start a child (the UI dev server, the engine, the extraction child).
- ``wait``: wait with a timeout that wakes the moment the child exits (a pidfd on Linux).
- ``run``: run, capture, time out, kill the group; for short tools (git, ``cargo info``).
- ``run_lines``: stream a tool's stdout line by line (cargo's JSON), cancellable.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
import subprocess
import threading

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path
    from typing import IO, Any

__all__ = [
    "Cancelled",
    "Completed",
    "guard",
    "kill_group",
    "run",
    "run_lines",
    "signal_name",
    "spawn",
    "wait",
]


class Cancelled(Exception):
    """The caller's cancel event was set while the child ran; the child's group was killed."""


def signal_name(returncode: int) -> str:
    """``-11`` -> ``SIGSEGV``; for display of a child killed by a signal."""
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group and reap the child. Safe to call twice."""
    # Kill by group id even when the leader has exited: members may linger. The leader is
    # not reaped yet on the paths that call this, so its pid cannot have been reused.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@contextlib.contextmanager
def guard(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Kill the child's group if the block exits by any exception (KeyboardInterrupt too)."""
    try:
        yield proc
    except BaseException:
        kill_group(proc)
        raise


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: IO[bytes] | int | None = subprocess.DEVNULL,
    stdout: IO[Any] | int | None = None,
    stderr: IO[Any] | int | None = None,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session (its own process group); the caller owns the kill.

    ``pass_fds`` keep their numbers in the child, so they must be 3 or above: a passed 0-2
    would be overwritten by the stdio redirections (a parent started with stdout closed gets
    fd 1 back for the first file it opens; ``extract`` moves such a descriptor up first).
    """
    low = [fd for fd in pass_fds if fd < 3]
    if low:
        raise ValueError(f"pass_fds {low} would be overwritten by stdin/stdout/stderr")
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        pass_fds=tuple(pass_fds),
        start_new_session=True,
    )


def wait(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Wait up to ``timeout`` seconds: the return code, or None while the child still runs.

    ``Popen.wait(timeout)`` polls with sleeps that grow to 50 ms; a pidfd (Linux 5.3+) wakes
    the moment the child exits, which is most of a quick extraction's wait. Elsewhere (or in
    a kernel without pidfds) it falls back to ``Popen.wait``.
    """
    pidfd_open = getattr(os, "pidfd_open", None)
    if proc.returncode is None and pidfd_open is not None:
        try:
            fd = pidfd_open(proc.pid)
        except OSError:  # no pidfd support in this kernel, or already reaped elsewhere
            pass
        else:
            try:
                poller = select.poll()
                poller.register(fd, select.POLLIN)
                if not poller.poll(max(0, math.ceil(timeout * 1000))):
                    return None
            finally:
                os.close(fd)
            return proc.wait()  # it has exited: this reaps without waiting
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


class Completed:
    """A finished ``run``: exit status (None: killed at the timeout) and captured text.

    A plain class: ``dataclasses`` (through ``inspect``) would cost every extraction more
    than its child's start-up overlaps (``benchmarks/bench_cli.py``).
    """

    __slots__ = ("returncode", "stderr", "stdout")

    def __init__(self, returncode: int | None, stdout: str, stderr: str) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self) -> str:
        return f"Completed({self.returncode!r}, {self.stdout!r}, {self.stderr!r})"

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Completed:
    """Run ``argv`` to completion in its own process group and capture its output as text.

    At ``timeout`` seconds the whole group is killed and ``returncode`` is None. A program
    that cannot be started (not found, not executable) is reported the same way a failed
    run is: ``returncode`` 127 and the OS error as stderr, so callers handle one shape.
    """
    try:
        proc = spawn(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        return Completed(127, "", str(exc))
    with guard(proc):
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out, err = proc.communicate()
            code = None
    return Completed(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def run_lines(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    on_stdout: Callable[[str], None],
    stderr: IO[bytes] | int | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Run ``argv`` in its own process group, feed each stdout line to ``on_stdout``.

    Returns the exit status. Raises ``Cancelled`` when ``cancel`` gets set (checked while
    the child runs); the group is killed on that path, on KeyboardInterrupt and on errors.
    """
    proc = spawn(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr)
    with guard(proc):
        assert proc.stdout is not None
        watcher: threading.Thread | None = None
        if cancel is not None:
            watcher = threading.Thread(target=_watch_cancel, args=(proc, cancel), daemon=True)
            watcher.start()
        with proc.stdout:
            for raw in proc.stdout:
                on_stdout(raw.decode("utf-8", "replace"))
        code = proc.wait()
        if cancel is not None and cancel.is_set():
            raise Cancelled(" ".join(argv[:2]))
        return code


def _watch_cancel(proc: subprocess.Popen[bytes], cancel: threading.Event) -> None:
    while proc.poll() is None:
        if cancel.wait(0.05):
            kill_group(proc)
            return
