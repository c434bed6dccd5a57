"""The extraction child's process starter: ``os.posix_spawn``, without importing subprocess.

``_proc`` starts every tool through ``subprocess.Popen``; importing it (``subprocess``
pulls in ``signal``'s enums, ``threading`` and ``selectors``) takes longer than the
extraction child needs to start. The CLI's cold ``extract --json`` starts its child before
anything else, so this module keeps ``_proc``'s guarantees with the standard library's
``os.posix_spawn`` and imports only ``os``, ``sys`` and (to wait) ``select``:

- the child runs in a new session, so ``kill_group`` ends it and anything it started;
- its stdin, stdout and stderr are the given descriptors; other descriptors this process
  made stay closed in the child (Python creates them non-inheritable, PEP 446), except
  ``extra``, which the child gets as 3, 4, ...;
- ``wait`` wakes the moment the child exits (a pidfd on Linux 5.3+; elsewhere it polls
  ``waitpid`` every millisecond), and every path reaps it.

POSIX only, like the process-group kill the rest of the tool relies on.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing costs ~4 ms on the CLI's cold path
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Process"]

_SIGKILL = 9  # signal.SIGKILL on every POSIX system; the signal module costs an enum import
_POLL_SECONDS = 0.001


class Process:
    """One child started in its own session; ``returncode`` is set once it is reaped.

    ``returncode`` follows ``subprocess``: the exit status, or ``-N`` for signal N.
    """

    def __init__(self, argv: Sequence[str], *, stdin: int, stdout: int, stderr: int,
                 extra: Sequence[int] = ()) -> None:
        sources = [stdin, stdout, stderr, *extra]
        # The dup2 actions run in target order, so a source numbered below the last target
        # (a parent started with stdout closed hands out fd 1 again) could be overwritten
        # before it is copied: such sources move above the targets first.
        moved = [_above(fd, len(sources)) if fd < len(sources) and fd != target else None
                 for target, fd in enumerate(sources)]
        sources = [m if m is not None else fd for m, fd in zip(moved, sources, strict=True)]
        actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(sources)]
        # dup2 of a descriptor onto itself keeps its close-on-exec flag on some systems.
        same = [fd for target, fd in enumerate(sources)
                if fd == target and not os.get_inheritable(fd)]
        for fd in same:
            os.set_inheritable(fd, True)
        self.returncode: int | None = None
        try:
            self.pid = os.posix_spawn(argv[0], list(argv), os.environ, file_actions=actions,
                                      setsid=True)
        finally:
            for fd in same:
                os.set_inheritable(fd, False)
            for copy in moved:
                if copy is not None:
                    os.close(copy)

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds; the return code, or None if it still runs."""
        if self.returncode is None and self._exited_within(timeout):
            self._reap(0)
        return self.returncode

    def kill_group(self) -> None:
        """SIGKILL the child's whole process group and reap the child. Safe to call twice."""
        if self.returncode is not None:
            return
        # By group id even if the leader has exited: members may linger. It is not reaped
        # yet, so its pid (the group id) cannot have been reused.
        try:
            os.killpg(self.pid, _SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._reap(0)

    def _exited_within(self, timeout: float) -> bool:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                fd = pidfd_open(self.pid)
            except OSError:  # no pidfd support in this kernel
                pass
            else:
                import select

                try:
                    poller = select.poll()
                    poller.register(fd, select.POLLIN)
                    return bool(poller.poll(max(0, int(timeout * 1000))))
                finally:
                    os.close(fd)
        return self._poll_until(timeout)

    def _poll_until(self, timeout: float) -> bool:
        import time

        deadline = time.monotonic() + timeout
        while not self._reap(os.WNOHANG):
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)
        return True

    def _reap(self, flags: int) -> bool:
        """waitpid once; True when the child has been reaped (now or before)."""
        if self.returncode is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere; nothing more to learn
            self.returncode = -_SIGKILL
            return True
        if pid == 0:
            return False
        self.returncode = os.waitstatus_to_exitcode(status)
        return True


def _above(fd: int, floor: int) -> int:
    """A close-on-exec copy of ``fd`` numbered ``floor`` or higher."""
    import fcntl

    copy: int = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor)
    return copy


if sys.platform == "win32":  # pragma: no cover - the tool is POSIX-only
    raise ImportError("wavecraft_build._spawn needs os.posix_spawn (Linux or macOS)")
