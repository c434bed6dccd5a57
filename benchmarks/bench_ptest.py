"""Benchmark: a plugin project's ``nox -s test`` and the render throughput of its DSP.

Two figures on a freshly scaffolded project (the real template, built in the warm target
dir ``WAVECRAFT_TEST_TARGET_DIR``), each against a baseline measured in the same run:

* ``nox -s test`` (discovery build, pytest child running the template's golden, block-size
  and sweep tests, JUnit, table) against ``nox -s build`` (the discovery build alone),
  both with nothing to recompile. The ratio is what the test suite adds to a build.
* rendering 10 s of stereo pink noise in blocks of 128 through ``Plugin.render`` (a fresh
  instance, block slicing, output assembly), in seconds of audio per second, against the
  bare runtime (``Processor.process`` over the same pre-sliced blocks).

Run with ``python -m benchmarks bench_ptest``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._harness import Result, compare, measure
from wavecraft_build.config import load_project
from wavecraft_build.pipeline import BUILD_STEPS, Context
from wavecraft_build.pipeline import run as run_steps
from wavecraft_build.scaffold import ScaffoldOptions, scaffold
from wavecraft_build.testing import Plugin, signals
from wavecraft_build.testing.render import blocks_of

__all__ = ["run"]

RENDER_SECONDS = 10.0
BLOCK = 128
TARGET_TEST_S = 15.0
TARGET_SPEED = 20.0  # seconds of audio per second: a 0.25 s golden renders in ~12 ms


def _nox(project: Path, session: str, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "nox", "-s", session], cwd=project, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise SystemExit(f"nox -s {session} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")


def _session_results(project: Path, env: dict[str, str]) -> Result:
    tests = measure(lambda: _nox(project, "test", env), repeat=5, warmup=1)
    build = measure(lambda: _nox(project, "build", env), repeat=5, warmup=1)
    return compare("nox -s test on a fresh scaffold", tests, "nox -s build (discovery only)",
                   build, target=f"median <= {TARGET_TEST_S:g} s",
                   met=lambda median, _ratio: median <= TARGET_TEST_S)


def _render_results(plugin: Plugin) -> Result:
    signal = signals.pink_noise(RENDER_SECONDS)
    blocks = [signal.audio[:, a:b].copy() for a, b in blocks_of(signal.audio.shape[1], BLOCK)]

    def bare() -> None:
        with plugin.instance(signal.sample_rate) as proc:
            for block in blocks:
                proc.process(block)

    rendered = measure(lambda: plugin.render(signal, block_size=BLOCK), repeat=7, warmup=1)
    baseline = measure(bare, repeat=7, warmup=1)
    speed = RENDER_SECONDS / sorted(rendered)[len(rendered) // 2]
    return compare(f"Plugin.render {RENDER_SECONDS:g} s stereo, blocks of {BLOCK}", rendered,
                   "Processor.process over the same blocks", baseline,
                   target=f">= {TARGET_SPEED:g} s of audio per second",
                   met=lambda _median, _ratio: speed >= TARGET_SPEED,
                   extra={"audio_seconds_per_second": round(speed, 1)})


def run() -> list[Result]:
    target = os.environ.get("WAVECRAFT_TEST_TARGET_DIR")
    with tempfile.TemporaryDirectory(prefix="wavecraft-bench-ptest-") as tmp:
        made = scaffold(ScaffoldOptions(name="bench-ptest", directory=Path(tmp) / "p", git=False))
        env = {**os.environ, "NOX_SCRIPT_MODE": "none"}
        if target:
            env["CARGO_TARGET_DIR"] = target
            os.environ["CARGO_TARGET_DIR"] = target
        _nox(made.project_dir, "build", env)  # compile once, outside the timing
        ctx = run_steps(Context(project=load_project(made.project_dir)), BUILD_STEPS)
        assert ctx.build is not None and ctx.result is not None
        plugin = Plugin.load(ctx.build.artifact, ctx.result)
        return [_session_results(made.project_dir, env), _render_results(plugin)]

