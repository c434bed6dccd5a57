"""The editor's macOS and Windows code, compiled here for those targets (type-checked, linted).

Only Linux plugins are built and run on this machine. The macOS and Windows editor (the
SDK's ``editor/native.rs``: wry's WKWebView and WebView2 in the plugin's process, and the
``wavecraft-webview`` page crate) is checked with the real compiler for
``aarch64-apple-darwin`` and ``x86_64-pc-windows-msvc``: ``cargo clippy -D warnings`` on the
SDK with its ``editor`` feature, and ``cargo check --locked`` of a freshly scaffolded
plugin, so the shipped Cargo.lock must already hold every crate those OSes need. Nothing
links (no macOS SDK or MSVC linker here) and nothing runs.

One stand-in: objc2's build script compiles a small Objective-C file for Apple targets;
without Apple's SDK, ``CC_aarch64_apple_darwin`` points at a script that writes an empty
object (a check never links it). Everything Rust is the real thing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fixtures_template import TemplateProject, copy_sdk, run_cargo
from required_tools import missing

from wavecraft_build.release import editor as editor_build

pytestmark = pytest.mark.slow

TARGETS = ("aarch64-apple-darwin", "x86_64-pc-windows-msvc")
INSTALL = f"rustup target add {' '.join(TARGETS)}"

FAKE_CC = """#!/bin/sh
# Check-only stand-in for a macOS C compiler: an empty object wherever one is asked for.
out=
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; esac; shift; done
[ -n "$out" ] && exec cc -c -x c /dev/null -o "$out"
"""


@pytest.fixture(scope="module")
def cross_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What a check for both targets needs: the targets' standard libraries (else the
    install line), an empty UI blob for the SDK to embed, the C stand-in."""
    done = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True,
                          text=True, check=False, timeout=60)
    absent = [t for t in TARGETS if t not in done.stdout.split()]
    if done.returncode != 0 or absent:
        missing(f"the Rust standard library for {', '.join(absent) or 'the targets'}", INSTALL)
    tmp = tmp_path_factory.mktemp("cross")
    fake_cc = tmp / "fake-cc"
    fake_cc.write_text(FAKE_CC)
    fake_cc.chmod(0o755)
    blob = editor_build.write_ui_blob(None, tmp / "ui.bin")
    return {editor_build.UI_ENV: str(blob), "CC_aarch64_apple_darwin": str(fake_cc),
            "AR_aarch64_apple_darwin": "ar"}


def _cargo(crate: Path, args: list[str], target_dir: Path, env: dict[str, str],
           monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    done = run_cargo(crate, args, target_dir)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stderr


@pytest.mark.parametrize("target", TARGETS)
def test_sdk_editor_compiles_for_the_target_without_a_warning(
    target: str, cross_env: dict[str, str], cargo_target_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SDK with its editor, for macOS/Windows: clean under clippy.toml's rules and
    ``-D warnings`` (an unused import or a Linux-only API on that OS fails here)."""
    sdk = copy_sdk(tmp_path)
    _cargo(sdk, ["clippy", "--locked", "--lib", "--features", "editor", "--target", target,
                 "--message-format=short", "--", "-D", "warnings"],
           cargo_target_dir / "sdk-clippy", cross_env, monkeypatch)


@pytest.mark.parametrize("target", TARGETS)
def test_scaffolded_plugin_with_its_editor_checks_for_the_target(
    target: str, cross_env: dict[str, str], template_project: TemplateProject,
    cargo_target_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new project as scaffolded, release features plus ``editor``, for macOS/Windows:
    ``--locked``, so the shipped lock already names every crate those OSes need."""
    stderr = _cargo(template_project.engine_dir,
                    ["check", "--locked", "--lib", "--features", "editor", "--target", target,
                     "--message-format=short"],
                    cargo_target_dir / "sdk-clippy", cross_env, monkeypatch)
    assert "warning: unused" not in stderr, stderr[-3000:]
