"""Benchmark: codegen for 10,000 parameters (target: median <= 150 ms, zero writes if unchanged).

Two cases, each against a baseline measured in the same run:

* no change: ``generate`` over an output tree it wrote before (stubs exist, bindings
  identical) - the dev loop's common case. Must write zero files and leave every mtime.
  Baseline: ``json.dumps`` of the same parameters through ``write_atomic`` onto an
  identical file (serialise + compare, no write).
* one parameter changed: alternating between two results that differ in one default, so
  every run rewrites the three bindings files. Baseline: ``json.dumps`` through
  ``write_atomic`` alternating between the same two results (serialise + one write).

The ratio says what generating typed TS + Python bindings costs over merely serialising
the data once; the absolute median is what the target judges.

Run with ``python -m benchmarks.bench_codegen``.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from itertools import cycle
from pathlib import Path

from benchmarks._harness import Result, compare, measure
from wavecraft_build._fs import write_atomic
from wavecraft_build.codegen import generate
from wavecraft_build.metadata import ExtractionResult, ParameterInfo, ProcessorInfo

__all__ = ["run"]

N_PARAMS = 10_000
N_GROUPS = 100
TARGET_S = 0.150


def make_result(n: int = N_PARAMS, *, bump: float = 0.0) -> ExtractionResult:
    """``n`` parameters in ``N_GROUPS`` groups, a third each float, bool and enum."""
    params = []
    for i in range(n):
        group = f"Group {i % N_GROUPS}" if i % 10 else None
        kind = i % 3
        if kind == 0:
            default = 0.5 + (bump if i == 0 else 0.0)
            params.append(
                ParameterInfo(
                    f"p{i}_level",
                    f"Level {i}",
                    "float",
                    default,
                    default,
                    0.0,
                    1.0,
                    unit="dB",
                    group=group,
                )
            )
        elif kind == 1:
            params.append(ParameterInfo(f"p{i}_on", f"On {i}", "bool", 0, 0, 0, 1, group=group))
        else:
            params.append(
                ParameterInfo(
                    f"p{i}_mode",
                    f"Mode {i}",
                    "enum",
                    0,
                    0,
                    0,
                    2,
                    group=group,
                    variants=("Soft", "Hard", "Fold"),
                )
            )
    processors = tuple(ProcessorInfo(f"proc_{i}") for i in range(N_GROUPS))
    return ExtractionResult(parameters=tuple(params), processors=processors)


def _dump(result: ExtractionResult) -> str:
    # Compact: the C encoder (json only uses it without indent), the fastest honest baseline.
    return json.dumps(result.to_json(), ensure_ascii=True)


def _mtimes(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def run() -> list[Result]:
    results = []
    base = make_result()
    bumped = make_result(1, bump=0.25).parameters[0]
    other = replace(base, parameters=(bumped, *base.parameters[1:]))
    with tempfile.TemporaryDirectory(prefix="wavecraft-bench-codegen-") as tmp:
        root = Path(tmp)
        ui, module = root / "ui", root / "py" / "params.py"
        first = generate(base, ui_dir=ui, python_module=module)
        created = len(first.written) + len(first.stubs_created)

        # -- no change ----------------------------------------------------------------
        before = _mtimes(root)
        writes: list[int] = []

        def no_change() -> None:
            report = generate(base, ui_dir=ui, python_module=module)
            writes.append(len(report.written) + len(report.stubs_created))

        samples = measure(no_change, repeat=15, warmup=2)
        touched = sum(1 for p, m in _mtimes(root).items() if before.get(p) != m)
        json_file = root / "baseline.json"
        write_atomic(json_file, _dump(base))
        baseline = measure(lambda: write_atomic(json_file, _dump(base)), repeat=15, warmup=2)
        written = max(writes)
        results.append(
            compare(
                f"codegen {N_PARAMS} params, no change",
                samples,
                "json.dumps -> write_atomic (unchanged)",
                baseline,
                target=f"median <= {TARGET_S * 1000:.0f} ms and 0 files written",
                met=lambda median_s, _ratio: median_s <= TARGET_S and written == 0 and touched == 0,
                extra={
                    "files_written_per_run": written,
                    "mtimes_changed": touched,
                    "stub_files_kept": len(first.stubs_created),
                    "files_created_on_first_run": created,
                },
            )
        )

        # -- one parameter changed ----------------------------------------------------
        changed_writes: list[int] = []
        flip = cycle([other, base])

        def changed() -> None:
            report = generate(next(flip), ui_dir=ui, python_module=module)
            changed_writes.append(len(report.written))

        samples = measure(changed, repeat=16, warmup=2)
        texts = cycle([other, base])
        baseline = measure(lambda: write_atomic(json_file, _dump(next(texts))), repeat=16)
        per_run = max(changed_writes)
        results.append(
            compare(
                f"codegen {N_PARAMS} params, one changed",
                samples,
                "json.dumps -> write_atomic (changed)",
                baseline,
                target=f"median <= {TARGET_S * 1000:.0f} ms",
                met=lambda median_s, _ratio: median_s <= TARGET_S,
                extra={"files_written_per_run": per_run, "stubs_created": 0},
            )
        )
    return results


if __name__ == "__main__":
    run()
