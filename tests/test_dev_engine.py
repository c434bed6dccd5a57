"""``wavecraft-build dev`` with its engine: swaps on reload, keeps playing on failure, exits clean.

The real CLI (``devloop.DevProcess``, engine on a free port) on a copy of the fixture
crate, a real WebSocket client on the engine.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import alive, live_processes, wait_for
from required_tools import path_without, require_tool

from benchmarks.devloop import DevProcess, make_project, set_chain
from benchmarks.engineclient import Client
from wavecraft_build.errors import UsageError


@pytest.fixture
def dev_project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


@pytest.fixture
def dev(dev_project: Path, cargo_target_dir: Path) -> Iterator[DevProcess]:
    proc = DevProcess(dev_project, cargo_target_dir / "dev-engine")
    yield proc
    proc.close()


def test_reload_swaps_the_engine_and_a_compile_error_keeps_it_playing(
    dev: DevProcess, dev_project: Path
) -> None:
    started = dev.wait_event("engine_started")
    assert started["url"] == f"ws://127.0.0.1:{dev.engine_port}"
    dev.wait_event("engine_swapped")
    with Client(started["url"]) as c:
        c.result("setParameter", {"id": "gain_level", "value": 0.5})
        level = c.settled_meter()["left_peak"]
        assert level == pytest.approx(-18.02, abs=0.05)
        # Add a processor to the chain: the engine swaps to the rebuilt library.
        edited = time.monotonic()
        set_chain(dev_project, "gain,filter,gain")
        seen = c.until(lambda m: m.get("method") == "parametersChanged")
        meters = [m for m in seen if m.get("method") == "meterUpdate"]
        stamps = [m["params"]["timestamp_us"] for m in meters]
        # The meter never stopped: updates kept coming from the edit until the swap, however
        # long the rebuild took (no gap of a second anywhere in that window).
        wall = [edited, *(m["_t"] for m in meters), seen[-1]["_t"]]
        assert len(meters) >= 3 and stamps == sorted(stamps)
        # Generous on a shared machine; the tight figure is bench_engine's meter gap.
        assert max(b - a for a, b in itertools.pairwise(wall)) < 5.0
        params = {p["id"]: p["value"] for p in c.result("getAllParameters")["parameters"]}
        assert params["gain_level"] == 0.5 and params["gain_2_level"] == 1.0
        assert c.settled_meter()["left_peak"] == pytest.approx(level, abs=0.05)
        dev.wait_for(lambda e: e["event"] == "engine_swapped" and e["parameters"] == 6)
        # A compile error: the build fails, the old DSP keeps playing.
        src = dev_project / "engine" / "src" / "lib.rs"
        good = src.read_text()
        src.write_text(good + "\nfn broken( {\n")
        dev.wait_event("build_failed")
        c.drain()  # what follows was played after the failed build
        assert c.result("getAudioStatus")["status"]["phase"] == "runningFullDuplex"
        assert c.settled_meter()["left_peak"] == pytest.approx(level, abs=0.05)
        assert len(c.result("getAllParameters")["parameters"]) == 6
    pid = started["pid"]
    code, took = dev.interrupt()
    assert code == 130 and took < 5.0  # the figure: bench_dev's Ctrl-C
    assert not alive(pid), "the engine outlived Ctrl-C"


def test_engine_flags_and_no_engine(dev_project: Path, cargo_target_dir: Path) -> None:
    dev = DevProcess(dev_project, cargo_target_dir / "dev-engine", "--sample-rate", "44100",
                     "--block-size", "256", "--input", "silence")
    try:
        started = dev.wait_event("engine_started")
        dev.wait_event("engine_swapped")
        with Client(started["url"]) as c:
            fmt = c.notification("audioFormat")
            assert (fmt["sample_rate"], fmt["block_size"]) == (44_100, 256)
            assert c.meter()["left_peak"] == -120.0
    finally:
        dev.close()
    quiet = DevProcess(dev_project, cargo_target_dir / "dev-engine", "--no-engine")
    try:
        quiet.wait_event("watching")
        assert not any(e["event"].startswith("engine") for e in quiet.events)
        with pytest.raises(OSError):
            Client(f"ws://127.0.0.1:{quiet.engine_port}", open_timeout=2)
    finally:
        quiet.close()


def _dev_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wavecraft_build.cli", "dev", "--project", str(project),
         "--no-ui", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_busy_port_bad_input_and_bad_numbers_are_one_line(dev_project: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _dev_cli(dev_project, "--port", str(port))
    assert done.returncode == 2
    assert f"port {port}" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 2, done.stderr
    missing = _dev_cli(dev_project, "--input", str(dev_project / "nope.wav"))
    assert missing.returncode == 2 and "nope.wav" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 2, missing.stderr
    for flag, value in (("--sample-rate", "7"), ("--block-size", "abc"), ("--port", "70000")):
        bad = _dev_cli(dev_project, flag, value)
        assert bad.returncode == UsageError.exit_code, bad.stderr
        assert flag in bad.stderr and "Traceback" not in bad.stderr


def test_dev_port_from_pyproject_and_engine_dies_with_a_killed_dev(
    dev_project: Path, cargo_target_dir: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pyproject = dev_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f"dev-port = {port}\n")
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir / "dev")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wavecraft_build.cli", "dev", "--project", str(dev_project),
         "--no-ui", "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first["event"] == "engine_started" and first["port"] == port
    finally:
        proc.kill()  # SIGKILL: no cleanup code runs in dev
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    # The engine reads end-of-file on its command pipe and exits by itself.
    deadline = time.monotonic() + 10
    while alive(first["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(first["pid"])


def test_missing_node_modules_are_installed_then_vite_gets_the_engine_url(
    dev_project: Path, cargo_target_dir: Path
) -> None:
    """No ui/node_modules: `npm ci` runs (as release does), then `npm run dev` starts with
    VITE_WAVECRAFT_ENGINE_URL, and its "Local:" line becomes a ui_url event."""
    require_tool("npm", "install Node.js 20+ with npm (apt-get install nodejs npm)")
    ui = dev_project / "ui"
    ui.mkdir()
    # A Vite stand-in that prints the engine URL it was given, then Vite's URL line.
    (ui / "dev.js").write_text(
        "console.log('engine=' + process.env.VITE_WAVECRAFT_ENGINE_URL);\n"
        "console.log('  \\u279c  Local:   http://localhost:5199/');\n"
        "setInterval(() => {}, 1000);\n"
    )
    package = {"name": "ui", "version": "1.0.0", "private": True,
               "scripts": {"dev": "node dev.js"}}
    (ui / "package.json").write_text(json.dumps(package))
    lock = {"name": "ui", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
            "packages": {"": {"name": "ui", "version": "1.0.0"}}}
    (ui / "package-lock.json").write_text(json.dumps(lock))
    dev = DevProcess(dev_project, cargo_target_dir / "dev-engine", with_ui=True)
    try:
        dev.wait_event("ui_install")
        dev.wait_event("ui_installed")
        dev.wait_event("ui_started")
        url = dev.wait_event("ui_url")
        assert url["url"] == "http://localhost:5199/"
        code, took = dev.interrupt()
        assert code == 130 and took < 5.0  # the figure: bench_dev's Ctrl-C
        assert f"engine=ws://127.0.0.1:{dev.engine_port}" in dev.stderr()
    finally:
        dev.close()


def test_npm_missing_is_one_line_and_the_loop_runs_on(
    dev_project: Path, cargo_target_dir: Path
) -> None:
    ui = dev_project / "ui"
    ui.mkdir()
    (ui / "package.json").write_text('{"name": "ui", "scripts": {"dev": "vite"}}')
    no_npm = path_without(dev_project.parent / "bin", "npm")  # works when both are in /usr/bin
    dev = DevProcess(dev_project, cargo_target_dir / "dev-engine", with_ui=True,
                     env={"PATH": no_npm})
    try:
        skipped = dev.wait_event("ui_skipped")
        dev.wait_event("watching")
        assert "ui_started" not in [e["event"] for e in dev.events]
        assert skipped["event"] == "ui_skipped"
    finally:
        dev.close()


def test_ctrl_c_while_npm_ci_hangs_leaves_no_npm(
    dev_project: Path, cargo_target_dir: Path
) -> None:
    """The registry accepts the connection and never answers: `npm ci` hangs until Ctrl-C,
    which still exits 130 within a second and leaves no npm behind."""
    require_tool("npm", "install Node.js 20+ with npm (apt-get install nodejs npm)")
    ui = dev_project / "ui"
    ui.mkdir()
    with socket.socket() as registry:
        registry.bind(("127.0.0.1", 0))
        registry.listen(16)
        port = registry.getsockname()[1]
        tarball = f"http://127.0.0.1:{port}/left-pad/-/left-pad-1.3.0.tgz"
        (ui / "package.json").write_text(json.dumps(
            {"name": "ui", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"},
             "scripts": {"dev": "node -e \"setInterval(()=>{},1000)\""}}))
        (ui / "package-lock.json").write_text(json.dumps(
            {"name": "ui", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
             "packages": {"": {"name": "ui", "version": "1.0.0",
                               "dependencies": {"left-pad": "1.3.0"}},
                          "node_modules/left-pad": {"version": "1.3.0",
                                                    "resolved": tarball}}}))
        env = {"npm_config_registry": f"http://127.0.0.1:{port}/",
               "npm_config_cache": str(dev_project / "npm-cache"),
               "npm_config_fetch_retries": "0"}
        dev = DevProcess(dev_project, cargo_target_dir / "dev-engine", with_ui=True, env=env)
        try:
            dev.wait_event("ui_install")
            dev.wait_event("watching")

            def npm_running() -> list[int]:  # npm (or its children) working in this ui/
                return live_processes(lambda _argv: False, cwd_under=ui)

            assert wait_for(npm_running, 10), "npm ci did not start"
            time.sleep(0.5)
            assert "ui_installed" not in [e["event"] for e in dev.events]  # still hanging
            code, took = dev.interrupt()
            assert code == 130 and took < 5.0  # the figure: bench_dev's Ctrl-C
            assert wait_for(lambda: not npm_running(), 1.0), npm_running()
        finally:
            dev.close()
