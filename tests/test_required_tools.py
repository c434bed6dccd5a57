"""A missing tool fails the test under CI=true or --strict-tools, and skips (counted) locally."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from required_tools import path_without

TESTS = Path(__file__).resolve().parent

_NEEDS_A_TOOL = '''
from required_tools import require_tool

def test_needs_a_tool():
    require_tool("wavecraft-no-such-tool", "apt-get install no-such-tool")
'''


def _pytest(tmp_path: Path, *args: str, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_needs.py").write_text(_NEEDS_A_TOOL)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(TESTS)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "required_tools", "-q", "-rs", "-p",
         "no:cacheprovider", *args, str(tmp_path / "test_needs.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(("ci", "args"), [("true", ()), (None, ("--strict-tools",))])
def test_strict_runs_fail_with_the_install_line(
    tmp_path: Path, ci: str | None, args: tuple[str, ...]
) -> None:
    done = _pytest(tmp_path, *args, ci=ci)
    assert done.returncode == 1, done.stdout
    assert "1 failed" in done.stdout
    assert "apt-get install no-such-tool" in done.stdout


def test_locally_it_skips_and_the_summary_counts_it(tmp_path: Path) -> None:
    done = _pytest(tmp_path, ci=None)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "1 test(s) skipped for a missing tool" in done.stdout
    assert "apt-get install no-such-tool" in done.stdout


def test_path_without_hides_one_tool_from_a_shared_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "usr-bin"
    shared.mkdir()
    for name in ("cargo", "npm"):
        tool = shared / name
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shared}{os.pathsep}{os.environ['PATH']}")
    path = path_without(tmp_path / "shadow", "npm")
    assert shutil.which("cargo", path=path) is not None
    assert shutil.which("npm", path=path) is None  # neither ours nor a real one
    assert str(shared) not in path.split(os.pathsep)
