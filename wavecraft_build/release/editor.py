"""The plugin's editor in a release: can it be built here, the Linux helper (built once per
machine), ``ui/dist`` packed into one blob, and what the release build adds for it.

The editor is the project's React app inside the DAW (``docs/guide/editor.md``). The
release library is built with the plugin crate's ``editor`` feature and compile-time paths
the SDK embeds with ``include_bytes!``: the UI blob and, for Linux, the helper executable,
so a bundle is self-contained. macOS and Windows need no helper and no system headers (the
webview is the OS's: WKWebView, WebView2). Where WebKitGTK's development files are missing
on Linux, the release still succeeds without the editor and says in one line what to
install (``missing_reason``). The discovery build and the wheel never get the feature.

Blob format (read by the helper's ``assets.rs``): ``WCUI1\\n``, then per file a
little-endian u32 path length, the UTF-8 path relative to ``dist/``, a u32 data length and
the bytes; files in sorted order, so the same ``dist/`` gives the same bytes.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wavecraft_build._fs import write_atomic
from wavecraft_build._proc import run
from wavecraft_build._template import templates_root
from wavecraft_build.errors import BuildFailed
from wavecraft_build.release.tools import Runner, tail

__all__ = [
    "APT_DEV",
    "APT_RUNTIME",
    "DEV_URL_ENV",
    "EDITOR_FEATURE",
    "HELPER_ENV",
    "HELPER_NAME",
    "PKG_CONFIG_MODULES",
    "PLATFORMS",
    "UI_ENV",
    "EditorBuild",
    "build_helper",
    "has_editor_feature",
    "helper_target_dir",
    "missing_reason",
    "pack_ui",
    "write_ui_blob",
]

#: The plugin crate's cargo feature (``editor = ["wavecraft/editor"]`` in the template).
EDITOR_FEATURE = "editor"
#: Compile-time paths the SDK embeds (``src/editor/mod.rs``).
HELPER_ENV = "WAVECRAFT_EDITOR_HELPER"
UI_ENV = "WAVECRAFT_EDITOR_UI"
#: ``release --dev-editor``: the debug build's editor loads this URL (the Vite dev server).
DEV_URL_ENV = "WAVECRAFT_EDITOR_DEV_URL"
HELPER_NAME = "wavecraft-editor-helper"
PKG_CONFIG_MODULES = ("webkit2gtk-4.1", "gtk+-3.0")
#: Debian/Ubuntu packages: to build the editor, and to run it.
APT_DEV = "libwebkit2gtk-4.1-dev"
APT_RUNTIME = "libwebkit2gtk-4.1-0"
MAGIC = b"WCUI1\n"


@dataclass(frozen=True)
class EditorBuild:
    """What the release library embeds."""

    #: The Linux helper (None for macOS and Windows, whose webview is in the plugin).
    helper: Path | None
    ui: Path
    dev_url: str | None = None

    def env(self) -> tuple[tuple[str, str], ...]:
        pairs = [(UI_ENV, str(self.ui))]
        if self.helper is not None:
            pairs.append((HELPER_ENV, str(self.helper)))
        if self.dev_url is not None:
            pairs.append((DEV_URL_ENV, self.dev_url))
        return tuple(pairs)


#: The OSes (``sys.platform`` values) whose plugins get an editor.
PLATFORMS = ("linux", "darwin", "win32")


def missing_reason(platform: str = sys.platform) -> str | None:
    """None when the editor can be built for ``platform`` here; otherwise one line: why not,
    what to install. macOS and Windows need nothing: their webview comes with the OS."""
    if platform in ("darwin", "win32"):
        return None
    if platform not in PLATFORMS:
        return f"no editor on {platform}: it is built for Linux, macOS and Windows"
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        return (f"no editor: pkg-config is missing (install it and WebKitGTK: "
                f"sudo apt install pkg-config {APT_DEV})")
    done = run([pkg_config, "--exists", *PKG_CONFIG_MODULES], timeout=30.0)
    if done.returncode != 0:
        return (f"no editor: WebKitGTK 4.1 development files are missing "
                f"(sudo apt install {APT_DEV}); the bundles were built without it")
    return None


def has_editor_feature(manifest: Path) -> bool:
    """True when the plugin crate declares the ``editor`` feature (projects made before it
    existed do not, and are released without an editor, as before)."""
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return EDITOR_FEATURE in data.get("features", {})


def pack_ui(dist: Path | None) -> bytes:
    """``dist/`` as one blob (empty of files when there is no built UI: the editor then
    shows "built without its UI")."""
    out = bytearray(MAGIC)
    if dist is not None and dist.is_dir():
        for path in sorted(p for p in dist.rglob("*") if p.is_file()):
            name = path.relative_to(dist).as_posix().encode("utf-8")
            data = path.read_bytes()
            out += struct.pack("<I", len(name)) + name + struct.pack("<I", len(data)) + data
    return bytes(out)


def write_ui_blob(dist: Path | None, out: Path) -> Path:
    """Writes the blob to ``out`` (untouched when unchanged, so cargo does not rebuild)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, pack_ui(dist))
    return out


def helper_source() -> Path:
    return templates_root() / "sdk" / HELPER_NAME


def helper_target_dir() -> Path:
    """One helper build per machine: under ``CARGO_TARGET_DIR`` when set (CI, the tests'
    shared target dir), else in the user's cache."""
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        return Path(target) / "editor-helper"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "wavecraft-build" / "editor-helper"


def build_helper(run_tool: Runner, cargo: str) -> Path:
    """``cargo build --release --locked`` of the helper (fresh after the first time)."""
    source = helper_source()
    target = helper_target_dir()
    argv = [cargo, "build", "--release", "--locked", "--manifest-path",
            str(source / "Cargo.toml"), "--target-dir", str(target)]
    code, output = run_tool(argv, source, None)
    exe = target / "release" / HELPER_NAME
    if code != 0 or not exe.is_file():
        raise BuildFailed(
            f"the editor helper did not build (exit {code}): {tail(output)}",
            path=source / "Cargo.toml",
            hint=f"check that {APT_DEV} is installed (`wavecraft-build doctor`), or release "
            "with --no-editor; the previous bundles are unchanged",
        )
    return exe


def prepare(
    manifest: Path,
    dist: Path | None,
    blob: Path,
    run_tool: Runner,
    cargo: str,
    *,
    dev_url: str | None = None,
    platform: str = sys.platform,
) -> tuple[EditorBuild | None, str | None]:
    """What the release library for ``platform`` (the OS it runs on) embeds, or (None, the
    one line to show) when the editor cannot be built here. A crate without the ``editor``
    feature gets none, silently."""
    if not has_editor_feature(manifest):
        return None, None
    reason = missing_reason(platform)
    if reason is not None:
        return None, f"warning: {reason}"
    helper = build_helper(run_tool, cargo) if platform == "linux" else None
    return EditorBuild(helper=helper, ui=write_ui_blob(dist, blob), dev_url=dev_url), None
