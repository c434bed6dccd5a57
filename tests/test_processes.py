"""No orphan survives: timeouts, Ctrl-C and a killed parent all take the child with them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import live_processes, wait_for


def _children_of(parent: subprocess.Popen[bytes]) -> list[int]:
    """PIDs of live extraction children started by ``parent`` (its pid is in their argv)."""
    pid = str(parent.pid).encode()
    return live_processes(lambda argv: any(b"_child.py" in a for a in argv) and pid in argv)


pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")


@pytest.fixture(params=["table", "json"])
def route(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The table builds the metadata classes; ``--json`` prints the checked dicts."""
    return ("--json",) if request.param == "json" else ()


def _start_cli(lib: Path, env_mode: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WAVECRAFT_FIXTURE_MODE": env_mode}
    return subprocess.Popen(
        [sys.executable, "-m", "wavecraft_build.cli", "extract", str(lib), "--no-cache", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_ctrl_c_kills_the_child_and_exits_130(fixture_lib: Path, route: tuple[str, ...]) -> None:
    proc = _start_cli(fixture_lib, "loop", "--timeout", "60", *route)
    assert wait_for(lambda: _children_of(proc), 10), "child never started"
    proc.send_signal(signal.SIGINT)
    # Well before the 60 s timeout: Ctrl-C ends the wait (bench_extract has the figure).
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"interrupted" in err
    assert wait_for(lambda: not _children_of(proc), 2)


def test_timeout_leaves_no_process(fixture_lib: Path, route: tuple[str, ...]) -> None:
    proc = _start_cli(fixture_lib, "load-loop", "--timeout", "1", *route)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 14, err
    assert b"`dlopen` did not return within 1 s" in err
    assert not _children_of(proc)


def test_killed_parent_takes_the_child_with_it(fixture_lib: Path, route: tuple[str, ...]) -> None:
    proc = _start_cli(fixture_lib, "loop", "--timeout", "60", *route)
    assert wait_for(lambda: _children_of(proc), 10)
    proc.kill()  # SIGKILL: the parent gets no chance to clean up; PDEATHSIG must do it.
    proc.communicate()
    assert wait_for(lambda: not _children_of(proc), 2)
