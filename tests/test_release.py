"""Release of the std-only fixture crate (a copy per test): bundles, manifest, atomic
publish and install, failures that keep the previous bundles, missing tools.

The layouts and identity (no build) are in test_release_bundle.py, the real template
(nice-plug, pedalboard, the wheel) in test_release_template.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_release import check_manifest
from helpers import snapshot_tree
from required_tools import require_tool

from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import BuildFailed, ReleaseError, ToolMissing
from wavecraft_build.pipeline import load_state
from wavecraft_build.release import (
    ReleaseOptions,
    release,
)
from wavecraft_build.release import bundle as _bundle

FAST = ReleaseOptions(ui=False, wheel=False)


def _edit(path: Path, old: str, new: str) -> None:
    """Change a source file so that cargo sees it: its mtime must pass the last build's."""
    time.sleep(1.0)  # cargo compares mtimes; a same-tick edit would look fresh
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# -- releases of the std-only fixture crate --------------------------------------------


def test_fixture_release_bundles_manifest_and_default_out_dir(
    fixture_release_project: Callable[[], ProjectConfig]
) -> None:
    project = fixture_release_project()
    report = release(project, FAST)
    out = report.out_dir
    assert out == report.bundles["clap"].parent
    assert out.name == "bundled" and (out.parent / "release").is_dir()  # <target>/bundled
    lib = out.parent / "release" / "libfixture_params.so"
    name = "fixture-plugin"
    assert report.bundles["vst3"] == out / f"{name}.vst3"
    so = out / f"{name}.vst3" / "Contents" / _bundle.bundle_arch("linux") / f"{name}.so"
    assert so.read_bytes() == lib.read_bytes()
    assert (out / f"{name}.clap").read_bytes() == lib.read_bytes()
    manifest = check_manifest(out)
    assert manifest["parameters"] == list(report.parameters)
    assert manifest["parameters"] == ["gain_level", "gain_mute", "filter_cutoff", "filter_shape"]
    assert manifest["bundles"] == {"vst3": f"{name}.vst3", "clap": f"{name}.clap"}
    assert manifest["version"] == "0.1.0" and manifest["git"] is None
    assert manifest["tool"] == {"name": "wavecraft-build", "version": "0.1.0"}
    assert report.discovery_rebuilt  # no recorded state yet
    state = load_state(project)
    assert state is not None and state.ids == report.parameters
    # A second release reuses the recorded discovery state and gives the same bytes,
    # without touching the published files (same inodes: nothing was re-copied).
    inodes = {p: p.stat().st_ino for p in out.rglob("*")}
    again = release(project, FAST)
    assert not again.discovery_rebuilt
    assert again.files == report.files
    assert {p: p.stat().st_ino for p in out.rglob("*")} == inodes
    # A damaged output is re-staged in full.
    (out / f"{name}.clap").write_bytes(b"truncated")
    third = release(project, FAST)
    assert third.files == report.files
    check_manifest(out)
    assert [p for p in out.parent.iterdir() if p.name.startswith(".bundled.")] == []


def test_manifest_records_git_commit(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    git = require_tool("git", "apt-get install git")
    project = fixture_release_project()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([git, *argv], cwd=project.root, env=env, check=True)
    head = subprocess.run([git, "rev-parse", "HEAD"], cwd=project.root, capture_output=True,
                          text=True, check=True).stdout.strip()
    report = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=tmp_path / "o"))
    manifest = check_manifest(report.out_dir)
    assert manifest["git"] == {"commit": head, "dirty": False}


def test_build_failure_keeps_previous_bundles(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    out = tmp_path / "bundled"
    release(project, ReleaseOptions(ui=False, wheel=False, out_dir=out))
    before = snapshot_tree(out)
    _edit(project.engine / "src" / "lib.rs", "use std::io::Write;", "this is not rust")
    with pytest.raises(BuildFailed, match="cargo build failed") as info:
        release(project, ReleaseOptions(ui=False, wheel=False, out_dir=out))
    assert "previous" in (info.value.hint or "") or "last good" in (info.value.hint or "")
    assert snapshot_tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".bundled.")] == []


def test_params_that_depend_on_discovery_are_refused(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    _edit(project.engine / "src" / "lib.rs", 'cfg!(feature = "extra-param")',
          'cfg!(feature = "_param-discovery")')
    out = tmp_path / "bundled"
    with pytest.raises(ReleaseError, match="missing from release: extra_mix") as info:
        release(project, ReleaseOptions(ui=False, wheel=False, out_dir=out))
    assert "_param-discovery" in (info.value.hint or "")
    assert not out.exists()


def test_stale_recorded_state_is_refreshed(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    release(project, ReleaseOptions(ui=False, wheel=False, out_dir=tmp_path / "o"))
    # The source changes (a processor is added) without a `build` in between.
    _edit(project.engine / "src" / "lib.rs", '"gain,filter";', '"gain,filter,gain";')
    report = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=tmp_path / "o"))
    assert report.discovery_rebuilt
    assert report.parameters[-2:] == ("gain_2_level", "gain_2_mute")
    state = load_state(project)
    assert state is not None and state.ids == report.parameters
    bindings = project.python_bindings.read_text()
    assert "gain_2_level" in bindings


def test_install_into_home(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    (home / ".clap").mkdir(parents=True)
    (home / ".clap" / "someone-else.clap").write_bytes(b"x")
    # rustup and cargo find their homes through HOME unless told: keep the real ones.
    monkeypatch.setenv("RUSTUP_HOME", os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup")))
    monkeypatch.setenv("CARGO_HOME", os.environ.get("CARGO_HOME", str(Path.home() / ".cargo")))
    monkeypatch.setenv("HOME", str(home))
    project = fixture_release_project()
    report = release(project, ReleaseOptions(ui=False, wheel=False, install=True,
                                             out_dir=tmp_path / "o"))
    assert report.installed == [home / ".vst3" / "fixture-plugin.vst3",
                                home / ".clap" / "fixture-plugin.clap"]
    assert snapshot_tree(home / ".vst3" / "fixture-plugin.vst3") == snapshot_tree(
        report.bundles["vst3"])
    assert (home / ".clap" / "someone-else.clap").read_bytes() == b"x"
    release(project, ReleaseOptions(ui=False, wheel=False, install=True,
                                    out_dir=tmp_path / "o"))
    assert sorted(p.name for p in (home / ".clap").iterdir()) == [
        "fixture-plugin.clap", "someone-else.clap"]


def test_missing_cargo_says_what_to_install(
    fixture_release_project: Callable[[], ProjectConfig], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project = fixture_release_project()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("CARGO", raising=False)
    with pytest.raises(ToolMissing, match="cargo") as info:
        release(project, FAST)
    assert "rustup" in (info.value.hint or "")


def test_missing_npm_says_what_to_install(
    fixture_release_project: Callable[[], ProjectConfig], monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = fixture_release_project()
    ui = project.root / "ui"
    ui.mkdir()
    (ui / "package.json").write_text("{}")
    from wavecraft_build.config import load_project

    project = load_project(project.root)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which",
                        lambda name, *a, **k: None if name == "npm" else real_which(name))
    with pytest.raises(ToolMissing, match="npm") as info:
        release(project, ReleaseOptions(wheel=False))
    assert "Node.js" in (info.value.hint or "") and "--no-ui" in (info.value.hint or "")
    # --no-ui does not need npm at all.
    release(project, FAST)


def test_missing_maturin_says_what_to_install(
    fixture_release_project: Callable[[], ProjectConfig], monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = fixture_release_project()
    real_which, real_find = shutil.which, importlib.util.find_spec
    monkeypatch.setattr(shutil, "which",
                        lambda name, *a, **k: None if name == "maturin" else real_which(name))
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "maturin" else real_find(name, *a))
    with pytest.raises(ToolMissing, match="maturin") as info:
        release(project, ReleaseOptions(ui=False))
    assert "pip install" in (info.value.hint or "") and "--no-wheel" in (info.value.hint or "")


def test_failed_ui_build_keeps_bundles(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
) -> None:
    require_tool("npm", "install Node.js 20+ with npm (apt-get install nodejs npm)")
    project = fixture_release_project()
    out = tmp_path / "bundled"
    release(project, ReleaseOptions(ui=False, wheel=False, out_dir=out))
    before = snapshot_tree(out)
    ui = project.root / "ui"
    ui.mkdir()
    (ui / "package.json").write_text(json.dumps(
        {"name": "x", "private": True, "scripts": {"build": "node -e \"process.exit(3)\""}}))
    from wavecraft_build.config import load_project

    with pytest.raises(BuildFailed, match="npm run build"):
        release(load_project(project.root), ReleaseOptions(wheel=False, out_dir=out))
    assert snapshot_tree(out) == before


def test_cli_release_json(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from wavecraft_build.cli import main

    project = fixture_release_project()
    assert main(["release", "--project", str(project.root), "--no-ui", "--no-wheel", "--json",
                 "--out", str(tmp_path / "o")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bundles"]["clap"] == str(tmp_path / "o" / "fixture-plugin.clap")
    assert data["wheel"] is None and data["installed"] == []


def test_output_path_that_is_a_file_is_refused(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    out = tmp_path / "bundled"
    out.write_text("a file")
    with pytest.raises(ReleaseError, match="not a folder"):
        release(fixture_release_project(), ReleaseOptions(ui=False, wheel=False, out_dir=out))
    assert out.read_text() == "a file"


def test_corrupt_state_is_rebuilt(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    project.state_dir.mkdir()
    (project.state_dir / "params.json").write_text("{not json")
    report = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=tmp_path / "o"))
    assert report.discovery_rebuilt
    state = load_state(project)
    assert state is not None and state.ids == report.parameters
