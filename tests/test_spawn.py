"""``_spawn.Process``, the extraction child's starter: the guarantees ``_proc`` gives, kept.

Real processes (the test interpreter itself as the child): a new session, exactly the
descriptors asked for, a wait that times out or wakes on exit, and a group kill that takes
grandchildren along.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import alive, wait_for

from wavecraft_build._spawn import Process


@pytest.fixture
def out(tmp_path: Path) -> Iterator[int]:
    fd = os.open(tmp_path / "out", os.O_RDWR | os.O_CREAT)
    yield fd
    os.close(fd)


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 65536).decode()


def _start(code: str, out: int, *extra: int) -> Process:
    stdin = os.open(os.devnull, os.O_RDONLY)
    try:
        return Process([sys.executable, "-I", "-c", code], stdin=stdin, stdout=out, stderr=out,
                       extra=extra)
    finally:
        os.close(stdin)


def test_the_child_gets_its_own_session_and_only_the_descriptors_given(out: int,
                                                                      tmp_path: Path) -> None:
    frames = os.open(tmp_path / "frames", os.O_RDWR | os.O_CREAT)
    secret_r, secret_w = os.pipe()  # made here, not passed: the child must not have it
    code = (
        "import os, sys\n"
        "print(os.getsid(0) == os.getpid(), flush=True)\n"
        "os.write(3, b'frame')\n"
        f"try:\n    os.fstat({secret_w})\n    print('leaked')\nexcept OSError:\n"
        "    print('closed')\n"
        "print('err', file=sys.stderr)\n"
    )
    try:
        proc = _start(code, out, frames)
        assert proc.wait(30) == 0
        assert sorted(_read(out).split()) == ["True", "closed", "err"]
        assert _read(frames) == "frame"
    finally:
        for fd in (frames, secret_r, secret_w):
            os.close(fd)


def test_exit_status_and_signals_follow_subprocess(out: int) -> None:
    assert _start("raise SystemExit(3)", out).wait(30) == 3
    assert _start("import os; os.kill(os.getpid(), 11)", out).wait(30) == -11


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
    assert proc.wait(0.2) is None and alive(proc.pid)
    proc.kill_group()
    assert proc.returncode == -9
    assert wait_for(lambda: not alive(grandchild), 5)
    proc.kill_group()  # twice is fine
    assert proc.wait(0) == -9


def test_a_quick_exit_is_seen_without_polling_delay(out: int) -> None:
    proc = _start("pass", out)
    assert proc.wait(30) == 0
    assert proc.wait(0) == 0  # reaped once, remembered


def test_low_numbered_sources_are_not_overwritten(tmp_path: Path) -> None:
    # A parent started with stdout closed gets fd 1 back for the first file it opens; as the
    # frames source (target 3) it would be clobbered by the dup2 onto 1 unless moved first.
    script = (
        "import os, sys\n"
        "from wavecraft_build._spawn import Process\n"
        "os.close(1)\n"
        f"frames = os.open({str(tmp_path / 'frames')!r}, os.O_RDWR | os.O_CREAT)\n"
        f"log = os.open({str(tmp_path / 'log')!r}, os.O_RDWR | os.O_CREAT)\n"
        "assert frames == 1, frames\n"
        "code = \"import os; os.write(3, b'frame'); os.write(1, b'log')\"\n"
        "p = Process([sys.executable, '-I', '-c', code], stdin=0, stdout=log, stderr=log,\n"
        "            extra=(frames,))\n"
        "sys.exit(p.wait(30))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "frames").read_text() == "frame"
    assert (tmp_path / "log").read_text() == "log"
