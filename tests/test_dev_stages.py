"""Ctrl-C at every stage of the dev loop, and the engine killed while the loop goes on.

Each test drives the real ``wavecraft-build dev --json`` on a copy of the fixture crate
(slow builds through ``make_project(build_sleep_s=...)``), stops it at one stage, and checks
the end state: exit 130 within a generous bound (the tight figure is ``bench_dev``'s), the
last event ``stopped``, and none of the processes dev had started left running.
"""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import pytest
from helpers import alive, live_processes, wait_for

from benchmarks import procs
from benchmarks.devloop import DevProcess, Event, make_project, set_chain
from benchmarks.engineclient import Client

#: Generous on a shared 2-core machine; the figure is bench_dev's "Ctrl-C -> exit".
CTRL_C_BOUND = 5.0


def _descendants(root: int) -> list[int]:
    """Every live process below ``root`` (own sessions included: the parent link stays)."""
    return [pid for pid in procs.descendants(root) if alive(pid)]


def _stop_and_check(dev: DevProcess) -> list[Event]:
    """Ctrl-C: 130 in time, nothing left of what ran at that moment, ``stopped`` last."""
    children = _descendants(dev.proc.pid)
    assert children, "dev had started nothing to stop"
    code, took = dev.interrupt(timeout=30)
    assert code == 130 and took <= CTRL_C_BOUND, (code, took, dev.stderr())
    assert wait_for(lambda: not [p for p in children if alive(p)], 2.0), [
        (p, Path(f"/proc/{p}/cmdline").read_bytes()) for p in children if alive(p)]
    try:
        while True:  # the events written before the exit
            dev.wait_for(lambda _e: False, timeout=2)
    except (EOFError, TimeoutError):
        pass
    assert dev.events[-1]["event"] == "stopped", [e["event"] for e in dev.events]
    assert not [e for e in dev.events if e["event"] == "internal_error"], dev.events
    return dev.events


def _build_script_running(project: Path) -> bool:
    return bool(live_processes(lambda argv: b"build-script-build" in argv[0],
                               cwd_under=project / "engine"))


def test_ctrl_c_during_the_first_build(tmp_path: Path, cargo_target_dir: Path) -> None:
    project = make_project(tmp_path / "slow", build_sleep_s=60)
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        dev.wait_event("build_started", timeout=60)
        assert wait_for(lambda: _build_script_running(project), 60), "cargo never got there"
        events = _stop_and_check(dev)
        # Stopping is not "newer changes arrived": no cancel line after Ctrl-C.
        assert "build_cancelled" not in [e["event"] for e in events]
    finally:
        dev.close()


def test_ctrl_c_twice_stops_everything_all_the_same(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    # An impatient author presses Ctrl-C again while dev is stopping.
    project = make_project(tmp_path / "slow", build_sleep_s=60)
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        dev.wait_event("build_started", timeout=60)
        assert wait_for(lambda: _build_script_running(project), 60), "cargo never got there"
        children = _descendants(dev.proc.pid)
        for pause in (0.02, 0.03, 0.05, 0.1, 0.2):  # again and again, while dev stops
            dev.proc.send_signal(signal.SIGINT)  # a no-op once dev has exited
            time.sleep(pause)
        code = dev.proc.wait(timeout=30)
        assert code == 130  # not killed by one of the later SIGINTs on the way out
        assert wait_for(lambda: not [p for p in children if alive(p)], 2.0), [
            (p, Path(f"/proc/{p}/cmdline").read_bytes()) for p in children if alive(p)]
        assert "Traceback" not in dev.stderr()
    finally:
        dev.close()


def test_ctrl_c_while_the_extraction_child_runs(tmp_path: Path, cargo_target_dir: Path) -> None:
    project = make_project(tmp_path / "proj")
    # The library's get_params_json never returns (the extraction timeout is 5 s).
    dev = DevProcess(project, cargo_target_dir / "dev", env={"WAVECRAFT_FIXTURE_MODE": "loop"})
    try:
        dev.wait_event("extract_started", timeout=120)
        time.sleep(0.5)
        _stop_and_check(dev)
    finally:
        dev.close()


def test_ctrl_c_while_the_engine_starts(tmp_path: Path, cargo_target_dir: Path) -> None:
    project = make_project(tmp_path / "proj")
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        def engine() -> list[int]:
            return [p for p in _descendants(dev.proc.pid)
                    if b"wavecraft_build.engine" in Path(f"/proc/{p}/cmdline").read_bytes()]

        assert wait_for(engine, 30), "the engine never started"
        argv = Path(f"/proc/{engine()[0]}/cmdline").read_bytes().split(b"\0")
        scratch = Path(os.fsdecode(argv[argv.index(b"--scratch") + 1]))
        _stop_and_check(dev)
        assert not scratch.exists(), "the engine's scratch folder outlived dev"
        assert "engine_started" not in [e["event"] for e in dev.events], (
            "too late: the engine was up already (the test wants it starting)")
    finally:
        dev.close()


def _fake_npm(tmp_path: Path) -> dict[str, str]:
    """An ``npm`` that hangs (with a child of its own) whatever it is asked to do."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\nsleep 120 &\nwait\n")
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize("stage", ["npm ci", "vite"])
def test_ctrl_c_while_the_ui_server_starts(
    tmp_path: Path, cargo_target_dir: Path, stage: str
) -> None:
    project = make_project(tmp_path / "proj")
    ui = project / "ui"
    ui.mkdir()
    (ui / "package.json").write_text('{"name": "ui", "private": true}')
    (ui / "package-lock.json").write_text("{}")
    if stage == "vite":
        (ui / "node_modules").mkdir()
    dev = DevProcess(project, cargo_target_dir / "dev", with_ui=True, env=_fake_npm(tmp_path))
    try:
        dev.wait_event("ui_install" if stage == "npm ci" else "ui_started", timeout=120)
        assert wait_for(lambda: live_processes(lambda _a: False, cwd_under=ui), 10)
        _stop_and_check(dev)
        assert not live_processes(lambda _a: False, cwd_under=ui)
    finally:
        dev.close()


def test_ctrl_c_during_a_hot_swap(tmp_path: Path, cargo_target_dir: Path) -> None:
    project = make_project(tmp_path / "proj")
    mode = tmp_path / "mode"
    mode.write_text("")
    dev = DevProcess(project, cargo_target_dir / "dev",
                     env={"WAVECRAFT_FIXTURE_MODE_FILE": str(mode)})
    try:
        dev.wait_event("engine_swapped", timeout=120)
        mode.write_text("create-hang")  # the next instance's create() never returns
        set_chain(project, "gain")
        dev.wait_event("reload_complete", timeout=120)
        time.sleep(0.3)  # the engine is inside the swap's create()
        _stop_and_check(dev)
    finally:
        dev.close()


def _ids(url: str) -> list[str]:
    """The parameter ids the engine plays now ([] while it restarts)."""
    try:
        with Client(url) as c:
            return [p["id"] for p in c.result("getAllParameters")["parameters"]]
    except (OSError, TimeoutError):
        return []


def test_an_engine_killed_during_a_rebuild_comes_back_with_the_newest_library(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project = make_project(tmp_path / "proj", build_sleep_s=8)
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        started = dev.wait_event("engine_started", timeout=120)
        first = dev.wait_event("reload_complete", timeout=120)
        dev.wait_event("engine_swapped", timeout=120)
        set_chain(project, "gain")
        dev.wait_event("build_started", timeout=30)
        os.kill(started["pid"], signal.SIGKILL)  # killed from outside while cargo builds
        failed = dev.wait_event("engine_failed", timeout=30)
        assert failed["restarted"] is True
        # While cargo still builds, the restarted engine plays what it played (not nothing).
        assert wait_for(lambda: _ids(started["url"]) == first["ids"], 6), dev.events
        done = dev.wait_event("reload_complete", timeout=120)
        dev.wait_for(lambda e: e["event"] == "engine_swapped" and e["parameters"] == 2, 30)
        assert wait_for(lambda: _ids(started["url"]) == done["ids"], 30)
        _stop_and_check(dev)
    finally:
        dev.close()


def test_an_engine_killed_as_a_swap_arrives_plays_the_newest_library(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    # Killed from outside (SIGKILL: the OOM killer, a user) is not the new library's fault.
    project = make_project(tmp_path / "proj")
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        started = dev.wait_event("engine_started", timeout=120)
        dev.wait_event("engine_swapped", timeout=120)
        set_chain(project, "gain")
        done = dev.wait_event("reload_complete", timeout=120)
        os.kill(started["pid"], signal.SIGKILL)
        assert dev.wait_event("engine_failed", timeout=30)["restarted"] is True
        assert wait_for(lambda: _ids(started["url"]) == done["ids"], 30), dev.events
        _stop_and_check(dev)
    finally:
        dev.close()


def test_a_failed_build_while_the_engine_is_down_keeps_the_last_good_library(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project = make_project(tmp_path / "proj", build_sleep_s=2)
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        started = dev.wait_event("engine_started", timeout=120)
        good = dev.wait_event("reload_complete", timeout=120)
        dev.wait_event("engine_swapped", timeout=120)
        src = project / "engine" / "src" / "lib.rs"
        src.write_text(src.read_text() + "\nfn broken( {\n")
        dev.wait_event("build_started", timeout=30)
        os.kill(started["pid"], signal.SIGKILL)
        dev.wait_event("build_failed", timeout=120)
        failed = [e for e in dev.events if e["event"] == "engine_failed"]
        assert (failed[0] if failed else dev.wait_event("engine_failed", 30))["restarted"]
        # The restarted engine plays the last good library, not nothing.
        assert wait_for(lambda: _ids(started["url"]) == good["ids"], 30)
        _stop_and_check(dev)
    finally:
        dev.close()
