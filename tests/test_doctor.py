"""``wavecraft-build doctor`` against the real machine, and with tools hidden from PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wavecraft_build.doctor import check_cache, check_cargo, check_python, format_report


def test_this_machine_passes_the_required_checks() -> None:
    assert check_python().ok
    assert check_cargo().ok


def test_missing_tools_say_what_to_install(tmp_path: Path) -> None:
    # A PATH with only python on it: cargo, rustc, node and npm are all "missing".
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(sys.executable)
    out = subprocess.run(
        [sys.executable, "-m", "wavecraft_build.cli", "doctor"],
        env={**os.environ, "PATH": str(bindir)}, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert out.returncode == 3
    assert "FAIL  cargo" in out.stdout and "rustup" in out.stdout
    assert "FAIL  node" in out.stdout and "Node.js 20" in out.stdout
    assert "required check(s) failed" in out.stdout
    assert "Traceback" not in out.stderr


def test_unwritable_cache_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("WAVECRAFT_CACHE_DIR", str(blocker / "cache"))
    result = check_cache()
    assert not result.ok and "WAVECRAFT_CACHE_DIR" in result.fix
    assert "FAIL  cache" in format_report([result])
