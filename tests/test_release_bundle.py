"""Release building blocks that need no build: bundle layouts per platform, deterministic
staging, atomic swaps and installs, and the plugin's identity from Cargo.toml.
"""

from __future__ import annotations

import os
import plistlib
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import snapshot_tree

from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import ConfigError
from wavecraft_build.release import bundle as _bundle
from wavecraft_build.release import (
    plugin_identity,
)

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

