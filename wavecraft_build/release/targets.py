"""Which targets a release builds for (``--target``, ``--universal``), checked before cargo runs.

A cross build that lacks the target's standard library fails deep inside rustc
("can't find crate for `core`") after minutes of building dependencies; ``check`` asks
rustc first (``--print target-list`` and the sysroot) and stops with one line that
says the fix. ``--universal`` builds both macOS architectures and joins them with
``lipo`` into one binary that both bundles ship (as nih-plug's ``bundle-universal``).
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path

from wavecraft_build import cargo
from wavecraft_build._proc import run
from wavecraft_build.errors import BuildFailed, ConfigError, ToolMissing

__all__ = [
    "UNIVERSAL_MACOS", "UNIVERSAL_NAME", "check", "layout_of", "lipo", "plan", "runs_here",
]

#: The two architectures of a universal macOS binary, in the order lipo gets them.
UNIVERSAL_MACOS = ("x86_64-apple-darwin", "aarch64-apple-darwin")
#: The folder (under the cargo target dir) the joined binary is written to.
UNIVERSAL_NAME = "universal-apple-darwin"


def plan(
    target: str | None, universal: bool, *, platform: str = sys.platform
) -> tuple[str | None, ...]:
    """The ``--target`` of each cargo build of a release (None: the host's own)."""
    if universal and target is not None:
        raise ConfigError("--universal and --target exclude each other: --universal builds "
                          f"{' and '.join(UNIVERSAL_MACOS)} itself")
    if universal:
        if platform != "darwin":
            raise ConfigError("--universal makes a macOS universal binary and needs macOS "
                              "(lipo): on this machine build one target with --target TRIPLE")
        return UNIVERSAL_MACOS
    return (target,)


def layout_of(target: str | None) -> tuple[str | None, str | None]:
    """The bundle layout (``sys.platform`` value, machine) of a target triple; (None, None)
    for the host's own. ``x86_64-pc-windows-msvc`` -> ("win32", "x86_64")."""
    if target is None:
        return None, None
    if target == UNIVERSAL_NAME:
        return "darwin", None
    machine = target.split("-", 1)[0]
    if "apple-darwin" in target:
        return "darwin", machine
    if "windows" in target:
        return "win32", machine
    return "linux", machine


def runs_here(target: str | None) -> bool:
    """Whether this machine can load a library built for ``target`` (None: the host's;
    a universal macOS binary always has the host's architecture in it)."""
    return target is None or target == cargo.host_triple()


def _rustc() -> str:
    cargo.host_triple()  # the same ToolMissing when rustc is absent
    return os.environ.get("RUSTC") or shutil.which("rustc") or "rustc"


@functools.cache
def _known_targets() -> frozenset[str]:
    done = run([_rustc(), "--print", "target-list"], timeout=30.0)
    return frozenset(done.stdout.split())


@functools.cache
def _sysroot() -> Path:
    done = run([_rustc(), "--print", "sysroot"], timeout=30.0)
    return Path(done.stdout.strip())


def check(target: str) -> None:
    """Stop before cargo when rustc does not know ``target`` or its std is not installed."""
    if target == cargo.host_triple():
        return
    if target not in _known_targets():
        raise ConfigError(
            f"rustc does not know the target '{target}': see `rustc --print target-list` "
            "for the triples it builds for"
        )
    if not (_sysroot() / "lib" / "rustlib" / target / "lib").is_dir():
        raise ToolMissing(
            f"the Rust standard library for {target} is not installed: run "
            f"`rustup target add {target}` and release again"
        )


def lipo(parts: list[Path], out: Path) -> Path:
    """Join one binary per architecture into the universal binary ``out`` (macOS ``lipo``)."""
    tool = shutil.which("lipo")
    if tool is None:
        raise ToolMissing("lipo was not found: --universal needs the Xcode command line tools: "
                          "run `xcode-select --install`")
    out.parent.mkdir(parents=True, exist_ok=True)
    done = run([tool, "-create", "-output", str(out), *map(str, parts)], timeout=120.0)
    if done.returncode != 0:
        raise BuildFailed(f"lipo could not join {', '.join(p.name for p in parts)}: "
                          f"{done.stderr.strip() or done.stdout.strip()}", path=out)
    return out
