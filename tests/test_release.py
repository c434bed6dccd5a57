"""Release: bundle layouts, manifest, atomic publish and install, the wheel, a real host.

Fast tests release the std-only fixture crate (a copy per test); the ``slow`` ones share one
release of a freshly scaffolded plugin (nice-plug) and check it with pedalboard (a real
VST3 host), the CLAP entry symbol, the wheel in a fresh venv and the manifest's hashes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import plistlib
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fixtures_release import RELEASE_TEMPLATE_NAME, ReleasedTemplate
from helpers import snapshot_tree
from required_tools import require_module, require_tool

from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import BuildFailed, ConfigError, ReleaseError, ToolMissing
from wavecraft_build.pipeline import load_state
from wavecraft_build.release import (
    MANIFEST_NAME,
    ReleaseOptions,
    plugin_identity,
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


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_manifest(out: Path) -> dict[str, object]:
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    files = manifest["files"]
    on_disk = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    )
    assert sorted([*files, MANIFEST_NAME]) == on_disk
    for rel, digest in files.items():
        assert _sha(out / rel) == digest, rel
    return dict(manifest)


# -- layouts (no build) ----------------------------------------------------------------


def _lib(tmp_path: Path) -> Path:
    lib = tmp_path / "libx.so"
    lib.write_bytes(b"\x7fELF fake library")
    return lib


def test_linux_layout(tmp_path: Path) -> None:
    vst3, clap = _bundle.layout("My Synth", _lib(tmp_path), platform_name="linux",
                                machine="x86_64")
    assert list(vst3.files) == ["My Synth.vst3/Contents/x86_64-linux/My Synth.so"]
    assert list(clap.files) == ["My Synth.clap"]
    assert _bundle.bundle_arch("linux", "aarch64") == "aarch64-linux"


def test_macos_layout_has_info_plist_and_pkginfo(tmp_path: Path) -> None:
    bundles = _bundle.layout("A&B", _lib(tmp_path), platform_name="darwin",
                             identifier="com.me.ab", version="1.2.3")
    out = tmp_path / "out"
    _bundle.stage(bundles, out)
    for ext in ("vst3", "clap"):
        contents = out / f"A&B.{ext}" / "Contents"
        assert (contents / "MacOS" / "A&B").read_bytes() == _lib(tmp_path).read_bytes()
        assert (contents / "PkgInfo").read_bytes() == b"BNDL????"
        plist = plistlib.loads((contents / "Info.plist").read_bytes())
        assert plist["CFBundleExecutable"] == "A&B"
        assert plist["CFBundleIdentifier"] == f"com.me.ab.{ext}"
        assert plist["CFBundlePackageType"] == "BNDL"
        assert plist["CFBundleShortVersionString"] == "1.2.3"


def test_windows_layout(tmp_path: Path) -> None:
    vst3, clap = _bundle.layout("Syn", _lib(tmp_path), platform_name="win32", machine="AMD64")
    assert list(vst3.files) == ["Syn.vst3/Contents/x86_64-win/Syn.vst3"]
    assert list(clap.files) == ["Syn.clap"]
    vst3, _ = _bundle.layout("Syn", _lib(tmp_path), platform_name="win32", machine="ARM64")
    assert list(vst3.files) == ["Syn.vst3/Contents/arm64-win/Syn.vst3"]


def test_install_dirs_per_platform(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert _bundle.install_dirs("linux", home) == {"vst3": home / ".vst3", "clap": home / ".clap"}
    mac = _bundle.install_dirs("darwin", home)
    assert mac["vst3"] == home / "Library/Audio/Plug-Ins/VST3"
    assert mac["clap"] == home / "Library/Audio/Plug-Ins/CLAP"
    win = _bundle.install_dirs("win32", home, env={"LOCALAPPDATA": str(tmp_path / "L")})
    assert win["vst3"] == tmp_path / "L/Programs/Common/VST3"
    assert win["clap"] == tmp_path / "L/Programs/Common/CLAP"


def test_staging_is_deterministic(tmp_path: Path) -> None:
    old_umask = os.umask(0o077)
    try:
        trees = []
        for name in ("a", "b"):
            _bundle.stage(_bundle.layout("S", _lib(tmp_path), platform_name="darwin"),
                          tmp_path / name, epoch=1_700_000_000)
            root = tmp_path / name
            trees.append({
                p.relative_to(root).as_posix(): (stat.S_IMODE(p.stat().st_mode),
                                                 int(p.stat().st_mtime))
                for p in sorted(root.rglob("*"))
            })
    finally:
        os.umask(old_umask)
    assert trees[0] == trees[1]
    modes = trees[0]
    assert modes["S.vst3/Contents/MacOS/S"] == (0o755, 1_700_000_000)
    assert modes["S.vst3/Contents/Info.plist"] == (0o644, 1_700_000_000)
    assert modes["S.vst3"] == (0o755, 1_700_000_000)


def test_swap_replaces_only_the_entry(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    (tmp_path / "neighbour").write_text("keep")
    new = _bundle.staging_dir(dest)
    (new / "new.txt").write_text("new")
    _bundle.swap_into(new, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neighbour", "out"]


def test_leftovers_of_dead_runs_are_cleared_or_restored(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    dest = tmp_path / "bundled"
    (tmp_path / f".bundled.staging-{pid}-abcd").mkdir()
    (tmp_path / f".bundled.old-{pid}-abcd").mkdir()
    (tmp_path / f".bundled.old-{pid}-abcd" / "prev").write_text("previous release")
    (tmp_path / f".bundled.staging-{os.getpid()}-live").mkdir()  # ours: running
    (tmp_path / ".bundled.staging-notapid").mkdir()  # not our pattern: left alone
    _bundle.remove_leftovers(dest)
    assert (dest / "prev").read_text() == "previous release"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["bundled", f".bundled.staging-{os.getpid()}-live", ".bundled.staging-notapid"]
    )


def test_install_entry_is_atomic_and_touches_nothing_else(tmp_path: Path) -> None:
    src = tmp_path / "src" / "P.vst3"
    (src / "Contents").mkdir(parents=True)
    (src / "Contents" / "v2").write_text("new")
    folder = tmp_path / "vst3"
    (folder / "P.vst3" / "Contents").mkdir(parents=True)
    (folder / "P.vst3" / "Contents" / "stale").write_text("from the previous install")
    (folder / "Other.vst3").mkdir()
    (folder / "notes.txt").write_text("mine")
    before_other = snapshot_tree(folder / "Other.vst3")
    _bundle.install_entry(src, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["Other.vst3", "P.vst3", "notes.txt"]
    assert snapshot_tree(folder / "P.vst3") == {"Contents/v2": b"new"}
    assert snapshot_tree(folder / "Other.vst3") == before_other
    assert (folder / "notes.txt").read_text() == "mine"


# -- identity --------------------------------------------------------------------------


def _write_manifest(tmp_path: Path, extra: str) -> ProjectConfig:
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "my-synth"\nversion = "1.4.0"\n' + extra
        + '[lib]\ncrate-type = ["cdylib"]\n'
    )
    from wavecraft_build.config import load_project

    return load_project(tmp_path)


def test_identity_defaults_to_package_name(tmp_path: Path) -> None:
    ident = plugin_identity(_write_manifest(tmp_path, ""))
    assert (ident.name, ident.version, ident.identifier) == (
        "my-synth", "1.4.0", "com.wavecraft.my-synth")


def test_identity_from_cargo_metadata(tmp_path: Path) -> None:
    ident = plugin_identity(_write_manifest(
        tmp_path, '[package.metadata.wavecraft]\nname = "My Synth"\nbundle-id = "com.me.syn"\n'))
    assert (ident.name, ident.identifier) == ("My Synth", "com.me.syn")


@pytest.mark.parametrize("bad", ["../evil", "a/b", "", " lead", "x" * 65, "nul\\u0000"])
def test_identity_rejects_names_that_are_not_file_names(tmp_path: Path, bad: str) -> None:
    project = _write_manifest(tmp_path, f'[package.metadata.wavecraft]\nname = "{bad}"\n')
    with pytest.raises(ConfigError, match="cannot name a bundle file"):
        plugin_identity(project)


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
    manifest = _check_manifest(out)
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
    _check_manifest(out)
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
    manifest = _check_manifest(report.out_dir)
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


# -- the real template (nice-plug), released once per session -------------------------


@pytest.mark.slow
def test_template_release_layout_and_manifest(released_template: ReleasedTemplate) -> None:
    report = released_template.report
    out = report.out_dir
    name = report.identity.name
    # [package.metadata.wavecraft] name: the name as the author typed it, as hosts show it.
    assert name == RELEASE_TEMPLATE_NAME
    so = out / f"{name}.vst3" / "Contents" / _bundle.bundle_arch("linux") / f"{name}.so"
    assert so.is_file() and (out / f"{name}.clap").is_file()
    manifest = _check_manifest(out)
    assert report.wheel is not None and manifest["wheel"] == report.wheel.name
    state = load_state(released_template.project)
    assert state is not None and manifest["parameters"] == list(state.ids)
    assert "input_gain_level" in report.parameters


@pytest.mark.slow
def test_template_release_installs_next_to_other_plugins(
    released_template: ReleasedTemplate,
) -> None:
    home = released_template.home
    assert (home / ".vst3" / "Other.vst3" / "keep.txt").read_text() == "not ours\n"
    assert (home / ".clap" / "other.clap").read_bytes() == b"not ours"
    report = released_template.report
    name = report.identity.name
    assert snapshot_tree(home / ".vst3" / f"{name}.vst3") == snapshot_tree(
        report.bundles["vst3"])
    assert _sha(home / ".clap" / f"{name}.clap") == _sha(report.bundles["clap"])


@pytest.mark.slow
def test_clap_exports_clap_entry(released_template: ReleasedTemplate) -> None:
    from elftools.elf.elffile import ELFFile

    with released_template.report.bundles["clap"].open("rb") as fh:
        dynsym: Any = ELFFile(fh).get_section_by_name(".dynsym")
        names = {s.name for s in dynsym.iter_symbols() if s["st_shndx"] != "SHN_UNDEF"}
    assert "clap_entry" in names
    assert {"GetPluginFactory", "wavecraft_dev_create_processor"} <= names


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.mark.slow
def test_pedalboard_loads_the_vst3_and_gain_changes_rms(
    released_template: ReleasedTemplate,
) -> None:
    pedalboard = require_module("pedalboard", "pip install -e '.[test]' (pedalboard>=0.9)")
    plugin = pedalboard.load_plugin(str(released_template.report.bundles["vst3"]))
    names = {p.name for p in plugin.parameters.values()}
    assert {"Input Level", "Filter On", "Cutoff", "Output Level", "Invert Phase"} <= names
    assert plugin.name == RELEASE_TEMPLATE_NAME
    sr = 48_000
    t = np.arange(sr, dtype=np.float64) / sr
    mono = (0.25 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    block = np.stack([mono, mono])
    plugin.filter_on = False
    dry = plugin(block, sr)
    plugin.input_level = -12.0
    wet = plugin(block, sr)
    skip = sr // 10  # past any parameter smoothing
    assert _rms(dry[:, skip:]) == pytest.approx(_rms(block[:, skip:]), rel=1e-3)
    ratio_db = 20 * np.log10(_rms(wet[:, skip:]) / _rms(dry[:, skip:]))
    assert ratio_db == pytest.approx(-12.0, abs=0.05)


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_processes(
    released_template: ReleasedTemplate, tmp_path: Path
) -> None:
    wheel = released_template.report.wheel
    assert wheel is not None and wheel.is_file()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "numpy",
         str(wheel)],
        check=True, timeout=600,
    )
    script = textwrap.dedent(
        """
        import json, sys
        import numpy as np
        import rel_synth
        from rel_synth.params import ParamId
        sr = 48_000
        x = (0.25 * np.sin(2 * np.pi * 440 * np.arange(4800) / sr)).astype(np.float32)
        block = np.stack([x, x])
        with rel_synth.Processor(sample_rate=sr, filter_enabled=0) as proc:
            dry = proc.process(block)
            proc.set_param(ParamId.INPUT_GAIN_LEVEL, 6.0)
            proc.reset()
            wet = proc.process(block)
            try:
                proc.set_param("input_gain_level", 99.0)
                bad = "accepted"
            except ValueError:
                bad = "refused"
        rms = lambda a: float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))
        print(json.dumps({
            "db": 20 * np.log10(rms(wet) / rms(dry)),
            "dry": rms(dry) / rms(block),
            "ids": [p["id"] for p in rel_synth.PARAMETERS],
            "bad": bad,
            "wavecraft_build": "wavecraft_build" in sys.modules,
        }))
        """
    )
    done = subprocess.run([str(python), "-I", "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["db"] == pytest.approx(6.0, abs=0.01)
    assert data["dry"] == pytest.approx(1.0, abs=1e-3)
    assert data["ids"] == list(released_template.report.parameters)
    assert data["bad"] == "refused" and data["wavecraft_build"] is False
    # The wheel does not need wavecraft-build: it is not installed in that venv.
    check = subprocess.run([str(python), "-I", "-c", "import wavecraft_build"],
                           capture_output=True, check=False, cwd=tmp_path)
    assert check.returncode != 0


@pytest.mark.slow
def test_template_rerelease_is_reproducible(
    released_template: ReleasedTemplate, tmp_path: Path, release_target_env: Path
) -> None:
    """Same source -> same bundle hashes, also after touching a source file (a real rebuild)."""
    project = released_template.project
    first = released_template.report.files
    time.sleep(1.0)
    (project.engine / "src" / "lib.rs").touch()
    again = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=tmp_path / "o"))
    bundle_files = {k: v for k, v in first.items() if not k.endswith(".whl")}
    assert again.files == bundle_files


@pytest.mark.slow
def test_template_release_with_ui(
    released_template: ReleasedTemplate, tmp_path: Path, release_target_env: Path
) -> None:
    require_tool("npm", "install Node.js 20+ with npm (apt-get install nodejs npm)")
    project = released_template.project
    report = release(project, ReleaseOptions(wheel=False, out_dir=tmp_path / "o"))
    assert project.ui is not None and (project.ui / "dist" / "index.html").is_file()
    assert report.timings["npm_build"] > 0


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
