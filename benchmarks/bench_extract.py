"""Benchmarks of extraction and the cache, each against a baseline measured in the same run.

- cold extraction (child spawn to validated params) vs ``python -I -c pass``: target <= 2.0x
- cache hit (stat fast path, entry read, validation) vs ``json.loads`` of the cached entry:
  target <= 2 ms absolute.

Run with ``nox -s bench`` or ``python -m benchmarks.bench_extract``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._harness import Result, compare, measure
from wavecraft_build import cargo
from wavecraft_build.cache import ParamCache
from wavecraft_build.extract import extract_params
from wavecraft_build.pipeline import discover

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "crates" / "fixture-plugin" / "Cargo.toml"


def fixture_lib() -> Path:
    """The fixture plugin's discovery library, built in the shared target dir."""
    target = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))
    req = cargo.BuildRequest(manifest=FIXTURE, target_dir=target / "fixtures")
    return cargo.build(req).artifact


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
