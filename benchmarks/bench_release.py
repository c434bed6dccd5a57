"""Benchmark of ``release`` against the bare cargo builds it runs, on the same crate.

**Cold** (issue 24, one compile per release): a fresh scaffold, every build in an empty
target dir of its own: a bare ``cargo build --lib --features _param-discovery``, a bare
``cargo build --release``, and ``release --no-ui`` with the wheel (the npm UI build does not
count). Target: release total <= 1.15x (bare discovery + bare release, same run). Before,
maturin compiled the crate a second time in a target dir of its own (139.5 s = 52 + 49 s of
cargo and maturin on the demo); now the release build is maturin's own ``cargo rustc
--crate-type cdylib`` in the same target dir and maturin only packages. One repeat each
(minutes apiece); ``WAVECRAFT_BENCH_COLD=0`` skips it (``WAVECRAFT_BENCH_WARM=0`` the rest).

**Warm**, on that scaffold once built (a release builds the source twice by design,
issue 15: the discovery library first, then the shipped one; the baseline is the same two
bare commands):

- no change: ``release()`` (no UI, no wheel) vs the two bare builds (all no-op cargo runs;
  the release adds extraction and parameter checks (cache hits), codegen that writes
  nothing, the lock check, and finds the bundles unchanged);
- touched source: ``touch src/lib.rs`` before each run, so both recompile the plugin crate.
  The wall-time ratio is printed, but cargo's own run-to-run noise (seconds) swamps a 3%
  target at 4 repeats, so the target is judged on bare cargo + the release's own overhead
  (its wall time minus its two cargo steps, measured in the same runs).

Target: <= 1.03x (the UI build comes on top and is not measured here). The wheel (maturin,
no-op) is timed too and reported as extra information. Repeats are small: these are slow.
Run with ``nox -s bench -- bench_release`` or ``python -m benchmarks.bench_release``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._harness import Result, compare, measure
from wavecraft_build import cargo
from wavecraft_build.config import load_project
from wavecraft_build.release import ReleaseOptions, ReleaseReport, release
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

REPO = Path(__file__).resolve().parent.parent
TARGET = 1.03
COLD_TARGET = 1.15


def _bare_cold(manifest: Path, profile: list[str], target_dir: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [cargo.cargo_executable(), "build", *profile, "--manifest-path", str(manifest),
         "--target-dir", str(target_dir)],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def cold(tmp: Path) -> Result:
    """Cold target dirs: release (--no-ui, wheel) vs bare discovery + bare release builds."""
    made = scaffold(ScaffoldOptions(name="bench-cold", directory=tmp / "cold", git=False))
    project = load_project(made.project_dir)
    discovery = _bare_cold(project.manifest, ["--lib", "--features", cargo.DISCOVERY_FEATURE],
                           tmp / "t-discovery")
    bare_release = _bare_cold(project.manifest, ["--release"], tmp / "t-release")
    os.environ["CARGO_TARGET_DIR"] = str(tmp / "t-tool")
    start = time.perf_counter()
    report = release(project, ReleaseOptions(ui=False, wheel=True, out_dir=tmp / "cold-out"))
    total = time.perf_counter() - start
    bare = discovery + bare_release
    steps = {k: round(v, 2) for k, v in report.timings.items() if v >= 0.05}
    return compare(
        "release --no-ui (wheel), cold target dir", [total],
        "bare cargo build discovery + --release, each cold", [bare],
        target=f"<= {COLD_TARGET}x", met=lambda _m, ratio: ratio <= COLD_TARGET,
        extra={"bare_discovery_s": round(discovery, 1), "bare_release_s": round(bare_release, 1),
               "release_steps_s": steps},
    )


def _bare(manifest: Path) -> None:
    """The two cargo commands a release runs, bare: the discovery build and the shipped
    library as the release builds it (maturin's ``cargo rustc --crate-type cdylib``; a
    ``cargo build --release`` in the same target dir would relink the crate each time the
    two alternate, as each rewrites the other's cdylib)."""
    for command in (["build", "--lib", "--features", cargo.DISCOVERY_FEATURE],
                    ["rustc", "--lib", "--release", "--crate-type", "cdylib"]):
        subprocess.run(
            [cargo.cargo_executable(), *command, "--manifest-path", str(manifest)],
            check=True, capture_output=True, stdin=subprocess.DEVNULL,
        )


def _cargo_steps(report: ReleaseReport) -> float:
    """The time of the release's two cargo steps (discovery build, release build)."""
    return report.timings["cargo_build"] + report.timings["release_build"]


def run() -> list[Result]:
    target = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))
    old_target = os.environ.get("CARGO_TARGET_DIR")
    os.environ["CARGO_TARGET_DIR"] = str(target)
    tmp = Path(tempfile.mkdtemp(prefix="bench-release-"))
    try:
        results: list[Result] = []
        if os.environ.get("WAVECRAFT_BENCH_COLD", "1") != "0":
            results.append(cold(tmp))
            shutil.rmtree(tmp / "t-tool", ignore_errors=True)
            shutil.rmtree(tmp / "t-discovery", ignore_errors=True)
            shutil.rmtree(tmp / "t-release", ignore_errors=True)
        os.environ["CARGO_TARGET_DIR"] = str(target)
        if os.environ.get("WAVECRAFT_BENCH_WARM", "1") == "0":
            return results
        made = scaffold(ScaffoldOptions(name="bench-release", directory=tmp / "p", git=False))
        project = load_project(made.project_dir)
        out = tmp / "bundled"
        options = ReleaseOptions(ui=False, wheel=False, out_dir=out)
        source = project.engine / "src" / "lib.rs"
        release(project, options)  # warm: discovery state, cache, release build
        _bare(project.manifest)

        bare: list[float] = []
        rel: list[float] = []
        warm_reports: list[ReleaseReport] = []
        for _ in range(15):  # interleaved: load drift hits both sides alike
            bare += measure(lambda: _bare(project.manifest), repeat=1, warmup=0)
            rel += measure(lambda: warm_reports.append(release(project, options)), repeat=1,
                           warmup=0)
        own_warm = statistics.median(
            t - _cargo_steps(r) for t, r in zip(rel, warm_reports, strict=True)
        )
        est_warm = (statistics.median(bare) + own_warm) / statistics.median(bare)
        results.append(compare(
            "release, warm, no change", rel, "cargo build discovery + --release (no-op)", bare,
            target=f"<= {TARGET}x (bare + release's own overhead)",
            met=lambda _m, _r: est_warm <= TARGET,
            extra={"own_overhead_ms": round(own_warm * 1000, 2),
                   "estimated_ratio": round(est_warm, 4)},
        ))

        def touched(fn: Callable[[], object]) -> float:
            time.sleep(1.0)  # let the edit's mtime pass the last build's
            source.touch()
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        # Interleaved, so drift in machine load hits both sides alike.
        bare_t: list[float] = []
        rel_t: list[float] = []
        reports: list[ReleaseReport] = []
        for _ in range(4):
            bare_t.append(touched(lambda: _bare(project.manifest)))
            rel_t.append(touched(lambda: reports.append(release(project, options))))
        # Release wall time minus its own cargo steps.
        overhead = [t - _cargo_steps(r) for t, r in zip(rel_t, reports, strict=True)]
        wheel_opts = ReleaseOptions(ui=False, wheel=True, out_dir=out)
        start = time.perf_counter()
        report = release(project, wheel_opts)  # first wheel of this crate: compiles it
        first_wheel = time.perf_counter() - start
        start = time.perf_counter()
        report = release(project, wheel_opts)
        warm_wheel = time.perf_counter() - start
        size = report.wheel.stat().st_size if report.wheel else 0
        # A touched rebuild takes seconds and varies by +-20% between runs on a busy 2-core
        # machine, far more than the 3% under test; the tool's own cost (wall time minus
        # its cargo steps, measured in the same runs) is exact, so it judges the target.
        own = statistics.median(overhead)
        estimated = (statistics.median(bare_t) + own) / statistics.median(bare_t)
        results.append(compare(
            "release, touched source", rel_t, "cargo build discovery + --release (touched)", bare_t,
            target=f"<= {TARGET}x (bare + release's own overhead)",
            met=lambda _m, _r: estimated <= TARGET,
            extra={"own_overhead_ms": round(own * 1000, 1),
                   "estimated_ratio": round(estimated, 4),
                   "release_with_wheel_first_s": round(first_wheel, 2),
                   "release_with_wheel_warm_s": round(warm_wheel, 2),
                   "wheel_bytes": size},
        ))
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old_target is None:
            os.environ.pop("CARGO_TARGET_DIR", None)
        else:
            os.environ["CARGO_TARGET_DIR"] = old_target


if __name__ == "__main__":
    run()
