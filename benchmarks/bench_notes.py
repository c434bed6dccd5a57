"""Benchmarks of notes: what an instrument costs per block, and how fast a key is heard.

- instrument cost per 128-frame stereo block with 16 voices sounding (all 16 keys down,
  saw, filter on), through the dev vtable of a ``--release`` discovery build of a fresh
  ``new --template instrument``; baseline: the effect template's block (``new``, same
  build, pink noise in), measured in the same run. Each figure is one vtable call over
  375 blocks (a second of audio) divided by 375, so Python's per-call cost is not in it.
  Target: <= 5% of the block's real time (2.67 ms), the ratio to the effect reported.
- note-on (the page's ``noteOn`` request) -> the first meterUpdate that shows the note,
  on the real engine with the fixture instrument (its note is DC at the velocity):
  median and p99, target <= 2 blocks + 10 ms (15.3 ms at 128 frames, 48 kHz), as for
  setParameter -> meter; baseline: a ping round trip.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import Result, compare, measure
from benchmarks.bench_extract import fixture_lib
from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build import cargo
from wavecraft_build.extract import extract_params
from wavecraft_build.runtime import Processor, note_on
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

REPO = Path(__file__).resolve().parent.parent
RATE = 48_000
BLOCK = 128
BLOCKS = 375  # one second
BLOCK_S = BLOCK / RATE
LATENCY_TARGET_S = 2 * BLOCK_S + 0.010


def _release_discovery(project: Path, target: Path) -> Path:
    request = cargo.BuildRequest(manifest=project / "engine" / "Cargo.toml", release=True,
                                 target_dir=target)
    return cargo.build(request).artifact


def _per_block(proc: Processor, audio: np.ndarray) -> list[float]:
    """Seconds per block: one process() call over ``BLOCKS`` blocks, divided."""
    return [s / BLOCKS for s in measure(lambda: proc.process(audio), repeat=15, warmup=2)]


def _block_costs(tmp: Path, target: Path) -> list[Result]:
    libs = {}
    for template in ("effect", "instrument"):
        made = scaffold(ScaffoldOptions(name=f"bench-{template}", directory=tmp / template,
                                        git=False, template=template))
        libs[template] = _release_discovery(made.project_dir, target)
    frames = BLOCK * BLOCKS
    rng = np.random.default_rng(0)
    noise = np.ascontiguousarray(0.1 * rng.standard_normal((2, frames)), dtype=np.float32)
    silence = np.zeros((2, frames), dtype=np.float32)
    with Processor.load(libs["effect"], sample_rate=RATE) as effect:
        effect_s = _per_block(effect, noise)
    with Processor.load(libs["instrument"], sample_rate=RATE) as synth:
        synth.set_params({"synth_release": 5_000.0, "synth_sustain": 1.0})
        chord = [note_on(36 + 3 * i, 0.5) for i in range(16)]
        synth.process(silence[:, :BLOCK].copy(), notes=chord)
        synth_s = _per_block(synth, silence)
        out = synth.process(silence[:, :BLOCK].copy())
        assert np.abs(out).max() > 0.01, "the 16 voices should be sounding"
    share = statistics.median(synth_s) / BLOCK_S
    return [compare(
        "instrument, 16 voices: cost per 128-frame block", synth_s,
        "effect template per block", effect_s,
        target="<= 5% of the block's real time", met=lambda med, _r: med <= 0.05 * BLOCK_S,
        extra={"share_of_block_time": round(share, 4),
               "effect_us": round(statistics.median(effect_s) * 1e6, 2)},
    )]


def _showing(want: float, params: dict[str, Any]) -> bool:
    return float(params["left_peak"]) > want


def _silent(params: dict[str, Any]) -> bool:
    return float(params["left_peak"]) < -100.0


def _note_to_meter(c: Client, n: int = 100) -> list[float]:
    out = []
    for i in range(n):
        c.result("noteOff", {"note": 60})
        c.notification("meterUpdate", _silent)
        t = time.perf_counter()
        c.send_raw(json.dumps({"jsonrpc": "2.0", "id": f"on{i}", "method": "noteOn",
                               "params": {"note": 60, "velocity": 0.5}}))
        c.notification("meterUpdate", functools.partial(_showing, -7.0))  # 0.5 = -6 dB
        out.append(time.perf_counter() - t)
    return out


def _latency() -> list[Result]:
    lib = fixture_lib()
    os.environ["WAVECRAFT_FIXTURE_INSTRUMENT"] = "1"
    try:
        with EngineHandle() as engine, Client(engine.url) as c:
            engine.swap(lib, extract_params(lib))
            c.settled_meter()
            pings = []
            for _ in range(200):
                t = time.perf_counter()
                c.result("ping")
                pings.append(time.perf_counter() - t)
            samples = _note_to_meter(c)
    finally:
        del os.environ["WAVECRAFT_FIXTURE_INSTRUMENT"]
    return [compare(
        "noteOn (page) -> meter shows the note", samples, "ping round trip", pings,
        target=f"<= {LATENCY_TARGET_S * 1000:.1f} ms",
        met=lambda med, _r: med <= LATENCY_TARGET_S,
        extra={"p99_ms": round(float(np.percentile(samples, 99)) * 1000, 3)},
    )]


def run() -> list[Result]:
    target = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))
    with tempfile.TemporaryDirectory(prefix="bench-notes-") as tmp:
        return _block_costs(Path(tmp), target / "bench-notes") + _latency()
