"""register_sessions() in a plugin project's noxfile, run through the real nox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.devloop import make_project


def _nox(project: Path, *args: str, target: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    return subprocess.run([sys.executable, "-m", "nox", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_sessions_register_once_and_build_runs(tmp_path: Path, cargo_target_dir: Path) -> None:
    project = make_project(tmp_path / "proj")
    (project / "noxfile.py").write_text(
        "from wavecraft_build.nox import register_sessions\n\n"
        "register_sessions()\nregister_sessions()  # safe twice\n"
    )
    listed = _nox(project, "--list", target=cargo_target_dir / "dev")
    assert listed.returncode == 0, listed.stderr
    for name in ("dev", "build", "codegen", "release", "validate"):
        assert f"* {name}" in listed.stdout or f"- {name}" in listed.stdout, listed.stdout
    assert "already been registered" not in listed.stderr

    built = _nox(project, "-s", "build", target=cargo_target_dir / "dev")
    assert built.returncode == 0, built.stderr
    assert "gain_level" in built.stdout + built.stderr
    assert (project / ".wavecraft" / "params.json").is_file()

    bad = _nox(project, "-s", "build", "--", "--timeout", "nope", target=cargo_target_dir / "dev")
    assert bad.returncode != 0 and "not a number" in bad.stdout + bad.stderr


def test_nox_alone_in_a_scaffold_selects_dev_only(tmp_path: Path) -> None:
    """`nox` with no -s runs the daily loop, not dev, build, codegen, release... in turn."""
    from wavecraft_build.nox import SESSIONS
    from wavecraft_build.scaffold import ScaffoldOptions, scaffold

    project = scaffold(ScaffoldOptions(name="nox-default", directory=tmp_path / "p",
                                       git=False)).project_dir
    # --script-mode none: this venv already has wavecraft-build (the block pins a release).
    listed = _nox(project, "--list", "--script-mode", "none", target=tmp_path / "target")
    assert listed.returncode == 0, listed.stderr
    selected = [ln.split()[1] for ln in listed.stdout.splitlines() if ln.startswith("* ")]
    skipped = [ln.split()[1] for ln in listed.stdout.splitlines() if ln.startswith("- ")]
    assert selected == ["dev"], listed.stdout
    assert sorted(skipped) == sorted(set(SESSIONS) - {"dev"})
