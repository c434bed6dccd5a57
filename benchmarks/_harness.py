"""A tiny benchmark harness: time a callable against a named baseline in the same process.

Figures are medians of repeated runs, and every benchmark reports the ratio to a baseline
measured in the same run, so a noisy or slow machine shifts both and the ratio stays
meaningful. Results are printed as a table and returned as dicts (``nox -s bench`` writes
them to ``benchmarks/results.json``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Result", "compare", "measure"]


def measure(fn: Callable[[], object], *, repeat: int = 15, warmup: int = 2) -> list[float]:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times; return seconds per run."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


@dataclass(frozen=True)
class Result:
    name: str
    median_ms: float
    baseline: str
    baseline_median_ms: float
    ratio: float
    target: str
    met: bool
    extra: dict[str, Any]

    def line(self) -> str:
        mark = "ok " if self.met else "MISS"
        return (
            f"[{mark}] {self.name}: median {self.median_ms:.3f} ms; baseline {self.baseline} "
            f"{self.baseline_median_ms:.3f} ms; ratio {self.ratio:.2f}x; target {self.target}"
            + (f"; {self.extra}" if self.extra else "")
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def compare(
    name: str,
    samples: list[float],
    baseline: str,
    baseline_samples: list[float],
    *,
    target: str,
    met: Callable[[float, float], bool],
    extra: dict[str, Any] | None = None,
) -> Result:
    """Summarise ``samples`` against ``baseline_samples``; ``met(median_s, ratio)`` judges it."""
    med = statistics.median(samples)
    base = statistics.median(baseline_samples)
    ratio = med / base if base > 0 else float("inf")
    result = Result(
        name=name,
        median_ms=med * 1000,
        baseline=baseline,
        baseline_median_ms=base * 1000,
        ratio=ratio,
        target=target,
        met=met(med, ratio),
        extra=extra or {},
    )
    print(result.line(), flush=True)
    return result
