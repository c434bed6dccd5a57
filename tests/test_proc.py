"""``_proc``, the one process runner: its guarantees, on real processes.

The test interpreter itself is the child: a new session, exactly the descriptors asked for,
a wait that times out or wakes on exit, and a group kill that takes grandchildren along. The
extraction child starts through the same ``spawn``; the last tests run it where it has gone
wrong before (a parent with stdout closed, a descriptor number reused after a close).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import alive, wait_for

from wavecraft_build import _proc
from wavecraft_build.extract import Child


@pytest.fixture
def out(tmp_path: Path) -> Iterator[int]:
    fd = os.open(tmp_path / "out", os.O_RDWR | os.O_CREAT)
    yield fd
    os.close(fd)


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 65536).decode()


def _start(code: str, out: int, *extra: int) -> subprocess.Popen[bytes]:
    return _proc.spawn([sys.executable, "-I", "-c", code], stdout=out, stderr=out,
                       pass_fds=extra)


def test_the_child_gets_its_own_session_and_only_the_descriptors_given(out: int,
                                                                      tmp_path: Path) -> None:
    frames = os.open(tmp_path / "frames", os.O_RDWR | os.O_CREAT)
    secret_r, secret_w = os.pipe()  # made here, not passed: the child must not have it
    code = (
        "import os, sys\n"
        "print(os.getsid(0) == os.getpid(), flush=True)\n"
        f"os.write({frames}, b'frame')\n"
        f"try:\n    os.fstat({secret_w})\n    print('leaked')\nexcept OSError:\n"
        "    print('closed')\n"
        "print('err', file=sys.stderr)\n"
    )
    try:
        proc = _start(code, out, frames)
        assert _proc.wait(proc, 30) == 0
        assert sorted(_read(out).split()) == ["True", "closed", "err"]
        assert _read(frames) == "frame"
    finally:
        for fd in (frames, secret_r, secret_w):
            os.close(fd)


def test_exit_status_and_signals(out: int) -> None:
    assert _proc.wait(_start("raise SystemExit(3)", out), 30) == 3
    assert _proc.wait(_start("import os; os.kill(os.getpid(), 11)", out), 30) == -11
    assert _proc.signal_name(-11) == "SIGSEGV"


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_a_timeout_then_a_group_kill_takes_grandchildren_along(
    out: int, pidfd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    code = (
        "import subprocess, sys, time\n"
        "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(g.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = _start(code, out)
    assert wait_for(lambda: _read(out).strip(), 20), "the child never started its own child"
    grandchild = int(_read(out).split()[0])
    assert _proc.wait(proc, 0.2) is None and alive(proc.pid)
    _proc.kill_group(proc)
    assert proc.returncode == -9
    assert wait_for(lambda: not alive(grandchild), 5)
    _proc.kill_group(proc)  # twice is fine
    assert _proc.wait(proc, 0) == -9


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_a_quick_exit_is_seen_and_remembered(
    out: int, pidfd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    proc = _start("pass", out)
    assert _proc.wait(proc, 30) == 0
    assert _proc.wait(proc, 0) == 0  # reaped once, remembered


def test_guard_kills_the_group_on_any_exception(out: int) -> None:
    proc = _start("import time; time.sleep(60)", out)
    with pytest.raises(KeyboardInterrupt), _proc.guard(proc):
        raise KeyboardInterrupt
    assert proc.returncode == -9


def test_descriptors_below_3_are_refused(out: int) -> None:
    # Kept under their numbers they would be overwritten by the child's stdio.
    with pytest.raises(ValueError, match="overwritten"):
        _start("pass", out, 1)


def test_an_extraction_from_a_parent_with_stdout_closed(fixture_lib: Path) -> None:
    # The first file such a parent opens gets fd 1: as the frames file it must move up
    # before it is passed, or the frames end up in the log and the extraction fails.
    script = (
        "import os, sys\n"
        "os.close(1)\n"
        "from wavecraft_build.extract import extract_params\n"
        f"result = extract_params({str(fixture_lib)!r}, timeout=30)\n"
        "sys.stderr.write(result.ids[0])\n"
    )
    env = {**os.environ, "WAVECRAFT_FIXTURE_MODE": ""}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False, env=env)
    assert done.returncode == 0 and done.stderr == "gain_level", done.stderr


def test_the_path_pipe_is_closed_exactly_once(fixture_lib: Path) -> None:
    # A second close after ``run`` would hit whatever took the descriptor number since
    # (another thread's pipe in the dev loop).
    child = Child()
    child.run(fixture_lib, timeout=30)
    r, w = os.pipe()  # the lowest free numbers: the ones ``run`` just released
    try:
        child.discard()
        os.write(w, b"x")
        assert os.read(r, 1) == b"x"
    finally:
        os.close(r)
        os.close(w)
