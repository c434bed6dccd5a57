"""What the CLI imports, as a user runs it, and that its one special path prints the same bytes.

Run through the installed console script with ``python -X importtime``, so the wrapper pip
generates and the venv's ``.pth`` files count too. The time itself is in
benchmarks/bench_cli.py; here only module names, which do not flake on a busy machine.

The special path: ``extract --json LIB`` on a cache hit is printed from the cache before
argparse loads. Every other route (a miss, ``--no-cache``, a crate folder, which is built
first) goes through the parser; all of them must print the same bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CRATES

SCRIPT = Path(sys.executable).parent / "wavecraft-build"
# What a hit must never load again: the progress UI, the parser, numpy, the metadata classes
# and what they drag in. A hit that needs one of these has lost its fast path.
HIT_FORBIDDEN = ("rich", "argparse", "numpy", "pathlib", "dataclasses", "subprocess", "typing",
                 "wavecraft_build.metadata", "wavecraft_build.extract", "elftools")
ANY_FORBIDDEN = ("rich", "numpy", "elftools", "wavecraft_build.scaffold", "watchfiles")


def imported(*args: str, env: dict[str, str]) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Modules the console script imported for ``args`` (top-level and dotted names)."""
    assert SCRIPT.is_file(), f"the console script is not installed at {SCRIPT}"
    done = subprocess.run([sys.executable, "-X", "importtime", str(SCRIPT), *args],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, check=False)
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    return names, done


def _loaded(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names for f in forbidden if n == f or n.startswith(f + "."))


def test_a_cache_hit_imports_almost_nothing_and_prints_what_the_parser_prints(
    fixture_lib: Path, tmp_path: Path
) -> None:
    env = {"WAVECRAFT_CACHE_DIR": str(tmp_path / "cache"), "WAVECRAFT_FIXTURE_MODE": ""}
    miss_names, miss = imported("extract", "--json", str(fixture_lib), env=env)
    assert miss.returncode == 0, miss.stderr[-2000:]
    assert "argparse" in miss_names  # a miss is the parser's route
    assert not _loaded(miss_names, ANY_FORBIDDEN)
    hit_names, hit = imported("extract", str(fixture_lib), "--json", env=env)
    assert hit.returncode == 0, hit.stderr[-2000:]
    assert not _loaded(hit_names, HIT_FORBIDDEN), "the hit path imports too much"
    assert hit.stdout == miss.stdout and json.loads(hit.stdout)[0]["id"] == "gain_level"
    # The same hit through the parser (an abbreviated flag is argparse's business).
    parsed_names, parsed = imported("extract", "--js", str(fixture_lib), env=env)
    assert "argparse" in parsed_names and parsed.stdout == hit.stdout


def test_every_route_prints_the_same_bytes(fixture_lib: Path, tmp_path: Path,
                                           cargo_target_dir: Path) -> None:
    # The library, the library without the cache, and the crate folder it was built from.
    env = {"WAVECRAFT_CACHE_DIR": str(tmp_path / "cache"), "WAVECRAFT_FIXTURE_MODE": "",
           "CARGO_TARGET_DIR": str(cargo_target_dir / "fixtures")}
    outputs = {}
    for name, args in {
        "library": ("extract", "--json", str(fixture_lib)),
        "hit": ("extract", "--json", str(fixture_lib)),
        "no-cache": ("extract", "--json", "--no-cache", str(fixture_lib)),
        "folder": ("extract", "--json", "--quiet", str(CRATES / "fixture-plugin")),
        "folder, hit": ("extract", "--json", "--quiet", str(CRATES / "fixture-plugin")),
    }.items():
        _names, done = imported(*args, env=env)
        assert done.returncode == 0, (name, done.stderr[-2000:])
        outputs[name] = done.stdout
    assert len(set(outputs.values())) == 1, outputs
    assert len(json.loads(outputs["folder"])) == 4


@pytest.mark.parametrize("args", [["--help"], ["extract", "--help"], ["new", "--help"]])
def test_help_imports_no_command_code(args: list[str]) -> None:
    names, done = imported(*args, env={})
    assert done.returncode == 0 and "usage: wavecraft-build" in done.stdout
    assert not _loaded(names, (*ANY_FORBIDDEN, "wavecraft_build.pipeline", "dataclasses",
                               "pathlib", "typing", "json", "wavecraft_build.cache"))


def test_the_vendor_default_in_help_is_the_scaffolds(tmp_path: Path) -> None:
    from wavecraft_build.scaffold import DEFAULT_VENDOR

    _names, done = imported("new", "--help", env={})
    assert f"(default: {DEFAULT_VENDOR})" in " ".join(done.stdout.split())
