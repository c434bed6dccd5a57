"""``wavecraft-build doctor`` against the real machine, and with tools hidden from PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wavecraft_build.doctor import check_cache, check_cargo, check_python, format_report


def _tool_on_path(tmp_path: Path, name: str, version_line: str) -> dict[str, str]:
    """A PATH whose ``name`` answers ``--version`` with ``version_line``."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    tool = bindir / name
    tool.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    tool.chmod(0o755)
    return {"PATH": str(bindir)}


@pytest.mark.parametrize(
    ("line", "ok"),
    [("cargo 1.88.0 (873a06493 2025-05-10)", True), ("cargo 1.95.1", True),
     ("cargo 1.87.9", False), ("cargo (no version)", False)],
)
def test_cargo_version_is_judged_against_the_minimum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, ok: bool
) -> None:
    for key, value in _tool_on_path(tmp_path, "cargo", line).items():
        monkeypatch.setenv(key, value)
    result = check_cargo()
    assert result.ok is ok, result
    if not ok:
        assert "need >= 1.88" in result.detail and "rustup" in result.fix
    assert check_python().ok  # this interpreter runs the suite, so it is new enough


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


def test_editor_checks_name_the_apt_packages(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Without WebKitGTK's .pc files the editor build check warns (never fails: the plugin
    builds and plays without its editor) and names the package that brings them."""
    from wavecraft_build.doctor import check_editor_build, check_editor_runtime

    monkeypatch.setenv("PKG_CONFIG_LIBDIR", str(tmp_path))
    monkeypatch.setenv("PKG_CONFIG_PATH", "")
    result = check_editor_build()
    assert not result.ok and not result.required
    assert "libwebkit2gtk-4.1-dev" in result.detail + result.fix
    runtime = check_editor_runtime()
    assert not runtime.required and (runtime.ok or "libwebkit2gtk-4.1-0" in runtime.fix)
