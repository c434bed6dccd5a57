"""Release targets and the one compile: ``--target``, ``--universal``, ``--tag``, and the
wheel packaged from the release build itself (maturin finds it fresh), on the fixture crate.

Only x86_64 Linux exists here: a foreign target's missing std is the error path tested for
real (``aarch64-unknown-linux-gnu``); the host's own triple passed as ``--target`` is the
cross-build path (cargo's ``<target>/<triple>/`` layout) tested end to end.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from wavecraft_build import cargo
from wavecraft_build.cli import main
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import ReleaseError
from wavecraft_build.release import ReleaseOptions, release, targets
from wavecraft_build.release.wheel import WHEEL_DIR

FAST = ReleaseOptions(ui=False, wheel=False)


def _cli(project: ProjectConfig, out: Path, *extra: str) -> list[str]:
    return ["release", "--project", str(project.root), "--no-ui", "--no-wheel", "--out",
            str(out), "-q", *extra]


def test_host_triple_is_rustc_s_own() -> None:
    done = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True)
    host = next(ln.split(":", 1)[1].strip() for ln in done.stdout.splitlines()
                if ln.startswith("host:"))
    assert cargo.host_triple() == host


def test_missing_target_std_is_one_line_with_the_fix_before_any_build(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    project = fixture_release_project()
    triple = "aarch64-unknown-linux-gnu"
    assert not (targets._sysroot() / "lib" / "rustlib" / triple).exists(), "std is installed"
    start = time.monotonic()
    code = main(_cli(project, tmp_path / "out", "--target", triple))
    err = capfd.readouterr().err.strip()
    assert code == 3, err  # tool missing
    assert err.splitlines() == [
        f"error[tool missing]: the Rust standard library for {triple} is not installed: run "
        f"`rustup target add {triple}` and release again"
    ]
    assert not (tmp_path / "out").exists()
    assert not (project.root / ".wavecraft").exists()  # stopped before the discovery build
    assert time.monotonic() - start < 30  # no cargo build ran (a generous bound)


@pytest.mark.parametrize(("flags", "says"), [
    (["--target", "sparc-nowhere-none"], "rustc does not know the target 'sparc-nowhere-none'"),
    (["--universal"], "--universal makes a macOS universal binary and needs macOS"),
    (["--universal", "--target", "x86_64-apple-darwin"], "exclude each other"),
])
def test_bad_target_flags_are_one_line(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
    capfd: pytest.CaptureFixture[str], flags: list[str], says: str,
) -> None:
    project = fixture_release_project()
    assert main(_cli(project, tmp_path / "out", *flags)) == 2  # config
    err = capfd.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err, err


def test_layout_follows_the_target_not_the_host() -> None:
    assert targets.layout_of("x86_64-pc-windows-msvc") == ("win32", "x86_64")
    assert targets.layout_of("aarch64-apple-darwin") == ("darwin", "aarch64")
    assert targets.layout_of(targets.UNIVERSAL_NAME) == ("darwin", None)
    assert targets.layout_of("aarch64-unknown-linux-gnu") == ("linux", "aarch64")
    assert targets.layout_of(None) == (None, None)
    assert targets.plan(None, True, platform="darwin") == targets.UNIVERSAL_MACOS
    assert targets.runs_here(None) and targets.runs_here(cargo.host_triple())
    assert not targets.runs_here("riscv64gc-unknown-linux-gnu")


def test_explicit_target_builds_into_cargo_s_target_layout_and_wheel_is_not_recompiled(
    fixture_release_project: Callable[[], ProjectConfig],
) -> None:
    project = fixture_release_project()
    release_target_env = Path(os.environ["CARGO_TARGET_DIR"])
    host = cargo.host_triple()
    report = release(project, dataclasses.replace(FAST, wheel=True, target=host))
    assert report.out_dir == release_target_env / host / "bundled"
    assert report.bundles["clap"].is_file() and report.wheel is not None
    _assert_wheel_is_the_bundle_library(report.wheel, report.bundles["clap"],
                                        release_target_env, project)


def _assert_wheel_is_the_bundle_library(
    wheel: Path, bundle_lib: Path, target: Path, project: ProjectConfig
) -> None:
    """One compile: maturin's cargo run compiled nothing, and the wheel carries the very
    bytes the bundles ship."""
    log = (target / WHEEL_DIR / project.crate / "maturin.log").read_text()
    assert "Compiling" not in log, log
    with zipfile.ZipFile(wheel) as zf:
        libs = [n for n in zf.namelist() if n.endswith((".so", ".dylib", ".dll"))]
        assert len(libs) == 1, zf.namelist()
        assert zf.read(libs[0]) == bundle_lib.read_bytes()


def test_release_wheel_reuses_the_release_build(
    fixture_release_project: Callable[[], ProjectConfig],
) -> None:
    project = fixture_release_project()
    release_target_env = Path(os.environ["CARGO_TARGET_DIR"])
    report = release(project, dataclasses.replace(FAST, wheel=True))
    assert report.wheel is not None
    _assert_wheel_is_the_bundle_library(report.wheel, report.bundles["clap"],
                                        release_target_env, project)


def test_tag_must_match_both_versions(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
) -> None:
    project = fixture_release_project()
    (project.root / "pyproject.toml").write_text(
        '[project]\nname = "fixture"\nversion = "0.2.0"\n\n[tool.wavecraft]\nengine = "."\n')
    with pytest.raises(ReleaseError, match=r"tag 'v0\.1\.0' does not match the version "
                       r"\(0\.1\.0 in Cargo\.toml, 0\.2\.0 in pyproject\.toml\)") as info:
        release(project, dataclasses.replace(FAST, tag="v0.1.0", out_dir=tmp_path / "o"))
    assert info.value.path == project.root / "pyproject.toml"
    assert not (tmp_path / "o").exists()
    (project.root / "pyproject.toml").write_text(
        '[project]\nname = "fixture"\nversion = "0.1.0"\n\n[tool.wavecraft]\nengine = "."\n')
    report = release(project, dataclasses.replace(FAST, tag="v0.1.0", out_dir=tmp_path / "o"))
    assert report.identity.version == "0.1.0"
