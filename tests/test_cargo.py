"""The cargo driver against real cargo: artifact lookup, failures, cancellation."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from helpers import CRATES, live_processes, wait_for

from wavecraft_build import cargo, errors
from wavecraft_build._proc import Cancelled
from wavecraft_build.extract import extract_params


def test_custom_cargo_target_dir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "custom"))
    built = cargo.build(cargo.BuildRequest(manifest=CRATES / "fixture-plugin" / "Cargo.toml"))
    assert built.artifact.is_relative_to(tmp_path / "custom")
    assert built.artifact.name == "libfixture_params.so"  # [lib] name, not the package name
    assert built.features == ("_param-discovery",)


@pytest.mark.parametrize("where", ["member", "workspace-root"])
def test_workspace_member_with_renamed_lib(cargo_target_dir: Path, where: str) -> None:
    ws = CRATES / "workspace"
    manifest = ws / "ws-plugin" / "Cargo.toml" if where == "member" else ws / "Cargo.toml"
    built = cargo.build(
        cargo.BuildRequest(
            manifest=manifest,
            package="ws-plugin",
            target_dir=cargo_target_dir / "workspace",
        )
    )
    assert built.artifact.name == "libws_plugin_impl.so"
    assert extract_params(built.artifact).ids[0] == "gain_level"


def _broken_copy(tmp_path: Path) -> Path:
    crate = tmp_path / "broken"
    shutil.copytree(CRATES / "fixture-plugin", crate)
    src = crate / "src" / "lib.rs"
    src.write_text(src.read_text() + "\nfn oops() -> u32 { undefined_name }\n")
    return crate


def test_build_failure_shows_the_first_error(cargo_target_dir: Path, tmp_path: Path) -> None:
    crate = _broken_copy(tmp_path)
    with pytest.raises(errors.BuildFailed) as info:
        cargo.build(cargo.BuildRequest(manifest=crate / "Cargo.toml",
                                       target_dir=cargo_target_dir / "broken"))
    text = info.value.render()
    assert "undefined_name" in text and "E0425" in text
    assert str(crate / "Cargo.toml") in text


def test_unknown_feature_is_a_build_failure(cargo_target_dir: Path) -> None:
    with pytest.raises(errors.BuildFailed, match="does not contain this feature"):
        cargo.build(cargo.BuildRequest(manifest=CRATES / "fixture-plugin" / "Cargo.toml",
                                       features=("nope",),
                                       target_dir=cargo_target_dir / "fixtures"))


def test_crate_without_cdylib(tmp_path: Path, cargo_target_dir: Path) -> None:
    crate = tmp_path / "plain"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "plain"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[features]\n_param-discovery = []\n\n[workspace]\n'
    )
    (crate / "src" / "lib.rs").write_text("pub fn f() {}\n")
    with pytest.raises(errors.LibraryNotFound, match="cdylib"):
        cargo.build(cargo.BuildRequest(manifest=crate / "Cargo.toml",
                                       target_dir=cargo_target_dir / "plain"))


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError):
        cargo.build(cargo.BuildRequest(manifest=tmp_path / "Cargo.toml"))


def test_cancel_kills_a_running_build(tmp_path: Path) -> None:
    crate = tmp_path / "slow"
    (crate / "src").mkdir(parents=True)
    # A build script that sleeps stands in for a long compile.
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "slow"\nversion = "0.1.0"\nedition = "2021"\nbuild = "build.rs"\n\n'
        '[lib]\ncrate-type = ["cdylib"]\n\n[features]\n_param-discovery = []\n\n[workspace]\n'
    )
    (crate / "build.rs").write_text(
        "fn main() { std::thread::sleep(std::time::Duration::from_secs(60)); }\n"
    )
    (crate / "src" / "lib.rs").write_text("pub fn f() {}\n")
    cancel = threading.Event()
    threading.Timer(1.5, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        cargo.build(cargo.BuildRequest(manifest=crate / "Cargo.toml",
                                       target_dir=tmp_path / "target"), cancel=cancel)
    assert time.monotonic() - start < 10
    assert wait_for(
        lambda: not live_processes(
            lambda argv: any(b"build-script-build" in a and str(tmp_path).encode() in a
                             for a in argv)
        ),
        2,
    )
