"""The dev loop in the states a fresh project goes through: an edit while the *first*
build runs, a first build that fails, and a bug of ours inside the builder thread.
Real cargo builds of the fixture crate, the real ``wavecraft-build dev`` process.
"""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

from helpers import wait_for

from benchmarks.devloop import DevProcess, make_project, set_chain
from wavecraft_build._dev_builder import Builder, Events
from wavecraft_build.cache import ParamCache
from wavecraft_build.config import load_project
from wavecraft_build.metadata import ExtractionResult


def test_an_edit_during_the_first_build_cancels_it_and_the_loop_still_starts(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    # A fresh project's first build takes minutes: saving a file meanwhile is the common case.
    project = make_project(tmp_path / "slow", build_sleep_s=3)
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        dev.wait_event("build_started", timeout=60)
        time.sleep(0.5)  # cargo is inside the sleeping build script now
        set_chain(project, "gain,gain")
        cancelled = dev.wait_event("build_cancelled", timeout=60)
        assert cancelled["first"] is True
        done = dev.wait_event("reload_complete", timeout=120)
        # The build that ended is the first one: the loop now watches (and starts the UI).
        assert done["first"] is True and done["ids"][:2] == ["gain_level", "gain_mute"]
        dev.wait_event("watching", timeout=30)
        set_chain(project, "gain")
        assert dev.wait_event("reload_complete", timeout=120)["first"] is False
        code, _ = dev.interrupt(timeout=10)
        assert code == 130
    finally:
        dev.close()


def test_a_failed_first_build_still_watches_and_the_fix_recovers(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project = make_project(tmp_path / "broken")
    src = project / "engine" / "src" / "lib.rs"
    good = src.read_text()
    src.write_text(good + "\nfn broken() -> u32 { not_defined }\n")
    dev = DevProcess(project, cargo_target_dir / "dev")
    try:
        assert "not_defined" in dev.wait_event("build_failed", timeout=120)["error"]
        dev.wait_event("watching", timeout=30)
        src.write_text(good)
        assert dev.wait_event("reload_complete", timeout=120)["parameters"] == 4
    finally:
        dev.close()


def test_an_unexpected_error_in_the_builder_is_reported_and_the_loop_goes_on(
    tmp_path: Path, cargo_target_dir: Path, monkeypatch: object
) -> None:
    project = make_project(tmp_path / "proj")
    import os

    os.environ.setdefault("CARGO_TARGET_DIR", str(cargo_target_dir / "dev"))
    stream = io.StringIO()
    ready = threading.Event()
    reloads: list[ExtractionResult] = []

    def on_reload(_lib: Path, result: ExtractionResult) -> None:
        if not reloads:
            reloads.append(result)
            raise RuntimeError("a bug in a reload hook")
        reloads.append(result)

    builder = Builder(project=load_project(project), events=Events(True, stream),
                       verbose=False, cache=ParamCache(tmp_path / "cache"),
                       on_first_result=ready.set)
    builder.on_reload = on_reload
    builder.start()
    try:
        builder.request()
        assert ready.wait(120), stream.getvalue()  # the first build ended: the UI may start

        def events() -> list[dict[str, object]]:
            return [json.loads(ln) for ln in stream.getvalue().splitlines()]

        assert wait_for(lambda: any(e["event"] == "internal_error" for e in events()), 10)
        internal = next(e for e in events() if e["event"] == "internal_error")
        assert internal["exit_code"] == 70 and "a bug in a reload hook" in str(internal["error"])
        assert "please report" in str(internal["hint"])
        builder.request()  # the thread is alive: the next change builds again
        assert wait_for(lambda: len(reloads) == 2, 120), stream.getvalue()
    finally:
        builder.shutdown()


def test_a_ui_dev_server_that_dies_is_reported_and_the_loop_goes_on(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project = make_project(tmp_path / "ui-dies")
    ui = project / "ui"
    (ui / "node_modules").mkdir(parents=True)
    # A dev server that fails at once (a broken vite.config.ts, a port taken, ...).
    (ui / "package.json").write_text(json.dumps(
        {"name": "ui", "private": True, "scripts": {"dev": "node -e \"process.exit(3)\""}}))
    dev = DevProcess(project, cargo_target_dir / "dev", with_ui=True)
    try:
        exited = dev.wait_event("ui_exited", timeout=120)
        assert exited["exit_code"] != 0
        set_chain(project, "gain")  # the watcher still reloads
        assert dev.wait_for(lambda e: e["event"] == "reload_complete"
                            and e["parameters"] == 2, timeout=120)
        code, _ = dev.interrupt(timeout=10)
        assert code == 130
    finally:
        dev.close()
