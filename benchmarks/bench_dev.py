"""Benchmarks of the dev loop against bare cargo, measured in the same run.

- edit -> "Hot-reload complete" (watch latency + discovery build + cold extraction +
  codegen) vs a bare ``cargo build --lib --features _param-discovery`` of the same edit
  on a twin project: target overhead <= 5% + 50 ms.
- warm start (nothing changed, cache warm) -> "watching": target <= 1.0 s; the baseline
  is the bare no-op cargo build every start has to pay.
- Ctrl-C -> dev exited (engine, cargo and children stopped): target <= 1.0 s (the tests
  only check it ends, with a generous bound); baseline: the same warm start.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks._harness import Result, compare
from benchmarks.devloop import DevProcess, make_project
from wavecraft_build.cargo import cargo_executable

EDITS = 9


def _edit(project: Path, n: int) -> None:
    """A change that alters the library's bytes, so every reload extracts for real."""
    src = project / "engine" / "src" / "lib.rs"
    lines = [ln for ln in src.read_text().splitlines() if "BENCH_EDIT" not in ln]
    lines.append(f"#[no_mangle] pub static BENCH_EDIT: u32 = {n};")
    src.write_text("\n".join(lines) + "\n")


def bare_build(project: Path, target: Path) -> float:
    """Seconds of a plain discovery ``cargo build`` of ``project``: the dev benchmarks' baseline."""
    start = time.perf_counter()
    subprocess.run(
        [cargo_executable(), "build", "--lib", "--features", "_param-discovery",
         "--message-format=json", "--manifest-path", str(project / "engine" / "Cargo.toml")],
        env={**os.environ, "CARGO_TARGET_DIR": str(target)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
    )
    return time.perf_counter() - start


def run() -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        target = root / "target"
        dev_project = make_project(root / "dev")
        twin = make_project(root / "twin")
        bare_build(twin, target)
        os.environ["WAVECRAFT_CACHE_DIR"] = str(root / "cache")

        dev = DevProcess(dev_project, target)
        try:
            dev.wait_event("watching", timeout=120)
            reloads, bare = [], []
            for n in range(1, EDITS + 1):
                _edit(twin, n)
                bare.append(bare_build(twin, target))
                t0 = time.monotonic()
                _edit(dev_project, n)
                done = dev.wait_for(
                    lambda e: e["event"] == "reload_complete" and not e["first"], timeout=60
                )
                assert not done["cache_hit"]
                reloads.append(done["_t"] - t0)
            dev.interrupt()
        finally:
            dev.close()
        overhead = statistics.median(reloads) - statistics.median(bare)
        results.append(
            compare(
                "edit -> Hot-reload complete", reloads, "bare cargo build of the same edit",
                bare, target="overhead <= 5% + 50 ms",
                met=lambda m, _r: m <= statistics.median(bare) * 1.05 + 0.050,
                extra={"overhead_ms": round(overhead * 1000, 1)},
            )
        )

        starts, noop, stops = [], [], []
        for _ in range(5):
            noop.append(bare_build(dev_project, target))
            dev = DevProcess(dev_project, target)
            try:
                seen = dev.wait_event("watching", timeout=60)
                starts.append(seen["_t"] - dev.started)
                code, took = dev.interrupt()
                assert code == 130
                stops.append(took)
            finally:
                dev.close()
        results.append(
            compare("warm start -> watching", starts, "bare no-op cargo build", noop,
                    target="<= 1.0 s", met=lambda m, _r: m <= 1.0)
        )
        results.append(
            compare("Ctrl-C -> dev exited", stops, "warm start -> watching", starts,
                    target="<= 1.0 s", met=lambda _m, _r: max(stops) <= 1.0,
                    extra={"max_ms": round(max(stops) * 1000, 1)})
        )
    return results


if __name__ == "__main__":
    run()
