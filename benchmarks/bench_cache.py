"""Benchmarks of the compiler cache (sccache), each against a baseline from the same run.

- A fresh scaffold's clean ``cargo build --release`` (through ``cargo.build``) with a warm
  shared cache (a Redis filled by the first build; the target dir deleted in between) vs
  the same build with the cold cache: target <= 0.5x.
- The dev loop's edit -> "Hot-reload complete" with the cache on vs off (fixture project;
  the plugin crate is incremental, so sccache never serves it): target no slower (<= 1.1x,
  the noise of a shared 2-core machine).

Both use a private sccache server and Redis on free loopback ports (tests/cache_servers.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks._harness import Result, compare
from benchmarks.cache_servers import redis_server, sccache_env, sccache_server
from benchmarks.devloop import DevProcess, make_project
from wavecraft_build import cargo
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

REPO = Path(__file__).resolve().parent.parent

EDITS = 5


def _shared_target() -> Path:
    return Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))


def _timed_release(manifest: Path, target: Path) -> tuple[float, cargo.BuildResult]:
    start = time.perf_counter()
    built = cargo.build(cargo.BuildRequest(manifest=manifest, features=(), release=True,
                                           target_dir=target, compiler_cache="sccache"))
    return time.perf_counter() - start, built


def _release_cold_vs_warm(root: Path) -> Result:
    project = scaffold(ScaffoldOptions(name="bench-cache", directory=root / "bench-cache",
                                       git=False))
    manifest = project.project_dir / "engine" / "Cargo.toml"
    target = _shared_target() / "bench-cache"
    shutil.rmtree(target, ignore_errors=True)
    with redis_server(root / "redis") as (url, _redis), \
            sccache_server(sccache_env(root, redis=url)):
        cold_s, cold = _timed_release(manifest, target)
        shutil.rmtree(target)
        warm_s, warm = _timed_release(manifest, target)
    shutil.rmtree(target, ignore_errors=True)
    assert cold.compiler_cache is not None and warm.compiler_cache is not None
    return compare(
        "release build, warm shared cache (Redis)", [warm_s], "same build, cold cache", [cold_s],
        target="<= 0.5x", met=lambda _m, r: r <= 0.5,
        extra={"cold": cold.compiler_cache.summary(), "warm": warm.compiler_cache.summary()},
    )


def _edit(project: Path, n: int) -> None:
    src = project / "engine" / "src" / "lib.rs"
    lines = [ln for ln in src.read_text().splitlines() if "BENCH_EDIT" not in ln]
    lines.append(f"#[no_mangle] pub static BENCH_EDIT: u32 = {n};")
    src.write_text("\n".join(lines) + "\n")


def _reloads(project: Path, target: Path, mode: str) -> list[float]:
    os.environ["WAVECRAFT_COMPILER_CACHE"] = mode
    dev = DevProcess(project, target)
    try:
        dev.wait_event("watching", timeout=300)
        times = []
        for n in range(1, EDITS + 1):
            t0 = time.monotonic()
            _edit(project, n * 10 + len(mode))
            done = dev.wait_for(
                lambda e: e["event"] == "reload_complete" and not e["first"], timeout=120
            )
            times.append(done["_t"] - t0)
        dev.interrupt(timeout=30)
    finally:
        dev.close()
        os.environ.pop("WAVECRAFT_COMPILER_CACHE", None)
    return times


def _dev_loop_on_vs_off(root: Path) -> Result:
    project = make_project(root / "dev")
    target = root / "dev-target"
    os.environ["WAVECRAFT_CACHE_DIR"] = str(root / "param-cache")
    with sccache_server(sccache_env(root / "dev-sccache")):
        off = _reloads(project, target, "none")
        on = _reloads(project, target, "sccache")
    return compare("edit -> Hot-reload complete, compiler cache on", on, "cache off", off,
                   target="<= 1.1x (no slower)", met=lambda _m, r: r <= 1.1)


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        return [_dev_loop_on_vs_off(root), _release_cold_vs_warm(root)]


if __name__ == "__main__":
    run()
