"""What the CLI imports, as a user runs it: a cache hit must stay a stat, two reads, a print.

Run through the installed console script with ``python -X importtime``, so the wrapper pip
generates and the venv's ``.pth`` files count too. The time itself is in
benchmarks/bench_cli.py; here only module names, which do not flake on a busy machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "wavecraft-build"
# What a hit must never load again: the progress UI, the parser, numpy, the metadata classes
# and what they drag in. A hit that needs one of these has lost its fast path.
HIT_FORBIDDEN = ("rich", "argparse", "numpy", "json", "pathlib", "dataclasses", "subprocess",
                 "wavecraft_build.metadata", "wavecraft_build.cache", "elftools")
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


def test_a_cache_hit_imports_almost_nothing(fixture_lib: Path, tmp_path: Path) -> None:
    env = {"WAVECRAFT_CACHE_DIR": str(tmp_path / "cache")}
    env_no_mode = {**env, "WAVECRAFT_FIXTURE_MODE": ""}
    cold_names, cold = imported("extract", "--json", str(fixture_lib), env=env_no_mode)
    assert cold.returncode == 0, cold.stderr[-2000:]
    assert not _loaded(cold_names, ANY_FORBIDDEN)
    hit_names, hit = imported("extract", str(fixture_lib), "--json", env=env_no_mode)
    assert hit.returncode == 0, hit.stderr[-2000:]
    assert hit.stdout == cold.stdout and json.loads(hit.stdout)[0]["id"] == "gain_level"
    assert not _loaded(hit_names, HIT_FORBIDDEN), "the hit path imports too much"
    assert "wavecraft_build._fastpath" in hit_names


@pytest.mark.parametrize("args", [["--help"], ["extract", "--help"], ["new", "--help"]])
def test_help_imports_no_command_code(args: list[str]) -> None:
    names, done = imported(*args, env={})
    assert done.returncode == 0 and "usage: wavecraft-build" in done.stdout
    assert not _loaded(names, (*ANY_FORBIDDEN, "wavecraft_build.pipeline", "dataclasses",
                               "pathlib"))


def test_the_vendor_default_in_help_is_the_scaffolds(tmp_path: Path) -> None:
    from wavecraft_build.scaffold import DEFAULT_VENDOR

    _names, done = imported("new", "--help", env={})
    assert f"(default: {DEFAULT_VENDOR})" in " ".join(done.stdout.split())


# A cold `extract --json LIB` (no hit) skips the parser and the metadata classes: the child
# starts first and the checked dicts are printed as they are (bench_cli has the time).
COLD_FORBIDDEN = (*ANY_FORBIDDEN, "argparse", "dataclasses", "inspect", "subprocess", "pathlib",
                  "tempfile", "typing", "wavecraft_build.metadata", "wavecraft_build.pipeline")


@pytest.mark.parametrize("no_cache", [True, False], ids=["no-cache", "miss"])
def test_a_cold_extraction_skips_the_parser_and_the_classes(
    fixture_lib: Path, tmp_path: Path, no_cache: bool
) -> None:
    flags = ("--no-cache",) if no_cache else ()
    env = {"WAVECRAFT_CACHE_DIR": str(tmp_path / "cache"), "WAVECRAFT_FIXTURE_MODE": ""}
    names, done = imported("extract", "--json", *flags, str(fixture_lib), env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not _loaded(names, COLD_FORBIDDEN), "the cold path imports too much"
    assert ("wavecraft_build.cache" in names) is not no_cache
    assert (tmp_path / "cache" / "printed").is_dir() is not no_cache
    # The parser's route (an abbreviated flag is argparse's business) prints the same bytes.
    env["WAVECRAFT_CACHE_DIR"] = str(tmp_path / "other-cache")
    parsed_names, parsed = imported("extract", "--js", *flags, str(fixture_lib), env=env)
    assert parsed.returncode == 0 and "argparse" in parsed_names
    assert parsed.stdout == done.stdout and json.loads(done.stdout)[0]["id"] == "gain_level"
