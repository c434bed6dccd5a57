"""Run every ``benchmarks/bench_*.py`` module's ``run()`` and write ``results.json``."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("bench_*.py"))
    results = []
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        results += [r.to_json() for r in module.run()]
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    missed = [r["name"] for r in results if not r["met"]]
    print(f"{len(results) - len(missed)} targets met, {len(missed)} missed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
