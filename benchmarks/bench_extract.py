"""Benchmarks of extraction and the cache, each against a baseline measured in the same run.

- cold extraction (child spawn to validated params) vs ``python -I -c pass``: target <= 2.0x
- cache hit (stat fast path, entry read, validation) vs ``json.loads`` of the cached entry:
  target <= 2 ms absolute.
- rejecting a library without the contract (symbol check, no child): <= 0.5x the baseline
- Ctrl-C while a getter hangs -> exit 130: <= 1 s (the tests only bound these generously)

Run with ``nox -s bench`` or ``python -m benchmarks.bench_extract``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._harness import Result, compare, measure
from wavecraft_build import cargo
from wavecraft_build.cache import ParamCache
from wavecraft_build.errors import SymbolMissing
from wavecraft_build.extract import extract_params
from wavecraft_build.pipeline import discover

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "crates" / "fixture-plugin" / "Cargo.toml"


def fixture_lib(features: tuple[str, ...] = (cargo.DISCOVERY_FEATURE,),
                subdir: str = "fixtures") -> Path:
    """The fixture plugin's discovery library, built in the shared target dir."""
    target = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))
    req = cargo.BuildRequest(manifest=FIXTURE, features=features, target_dir=target / subdir)
    return cargo.build(req).artifact


def _rejected(lib: Path) -> None:
    try:
        extract_params(lib)
    except SymbolMissing:
        return
    raise AssertionError("a library without the contract was not rejected")


def _ctrl_c_seconds(lib: Path) -> float:
    """Seconds from SIGINT to the CLI's exit while a child hangs in a getter."""
    env = {**os.environ, "WAVECRAFT_FIXTURE_MODE": "loop"}
    argv = [sys.executable, "-m", "wavecraft_build.cli", "extract", str(lib), "--no-cache",
            "--timeout", "60"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # past start-up: the child is looping inside the getter
    start = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130, proc.returncode
    return time.perf_counter() - start


def _prompt(lib: Path, baseline: list[float]) -> list[Result]:
    """The figures tests only bound generously: symbol check, Ctrl-C to exit."""
    nosym = fixture_lib((cargo.DISCOVERY_FEATURE, "no-symbols"), "fixtures-nosym")
    return [
        compare("reject a library without the contract (no child)",
                measure(lambda: _rejected(nosym), repeat=51), "python -I -c pass", baseline,
                target="<= 0.5x", met=lambda _m, r: r <= 0.5),
        compare("Ctrl-C to exit 130, child in a getter",
                [_ctrl_c_seconds(lib) for _ in range(5)], "python -I -c pass", baseline,
                target="<= 1 s", met=lambda m, _r: m <= 1.0),
    ]


def run() -> list[Result]:
    os.environ.pop("WAVECRAFT_FIXTURE_MODE", None)
    lib = fixture_lib()
    results = []

    baseline = measure(
        lambda: subprocess.run([sys.executable, "-I", "-c", "pass"], check=True), repeat=21
    )
    cold = measure(lambda: extract_params(lib), repeat=21)
    results.append(
        compare("cold extraction", cold, "python -I -c pass", baseline,
                target="<= 2.0x", met=lambda _m, r: r <= 2.0)
    )
    results += _prompt(lib, baseline)

    with tempfile.TemporaryDirectory() as tmp:
        cache = ParamCache(Path(tmp))
        features, target = (cargo.DISCOVERY_FEATURE,), cargo.host_triple()
        discover(lib, features=features, target=target, timeout=30, cache=cache)
        entry = cache.entry_path(cache.key(lib, features=features, target=target))

        def hit() -> None:
            _, was_hit = discover(lib, features=features, target=target, timeout=30, cache=cache)
            assert was_hit

        loads = measure(lambda: json.loads(entry.read_bytes()), repeat=201, warmup=5)
        hits = measure(hit, repeat=201, warmup=5)
        results.append(
            compare("cache hit", hits, "json.loads(cached entry)", loads,
                    target="<= 2 ms", met=lambda m, _r: m <= 0.002)
        )
    return results


if __name__ == "__main__":
    run()
