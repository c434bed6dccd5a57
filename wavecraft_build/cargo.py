"""The cargo driver: run a build, read ``--message-format=json``, return the exact cdylib.

The artifact path always comes from cargo's own ``compiler-artifact`` message, never from
guessing ``target/debug/lib*.so``: that is what makes a custom ``CARGO_TARGET_DIR``, a
workspace member, a ``[lib] name`` that differs from the package, or ``--target`` work.
A failed build raises ``BuildFailed`` with cargo's first error; a cancelled one raises
``Cancelled`` after cargo and every rustc it started were killed. Every run goes through
``compiler_cache`` (``BuildRequest.compiler_cache``): sccache as ``RUSTC_WRAPPER`` when it
is on, and one retry without it when the build failed with sccache's own error.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wavecraft_build import compiler_cache as ccache
from wavecraft_build._proc import run, run_lines
from wavecraft_build.errors import BuildFailed, ConfigError, LibraryNotFound, ToolMissing

__all__ = [
    "DISCOVERY_FEATURE",
    "BuildRequest",
    "BuildResult",
    "build",
    "cargo_executable",
    "host_triple",
]

DISCOVERY_FEATURE = "_param-discovery"


@dataclass(frozen=True)
class BuildRequest:
    """What to build. ``manifest`` is a Cargo.toml; ``package`` picks a workspace member."""

    manifest: Path
    features: tuple[str, ...] = (DISCOVERY_FEATURE,)
    release: bool = False
    package: str | None = None
    target: str | None = None
    target_dir: Path | None = None
    lib_only: bool = True
    #: ``cdylib``: ``cargo rustc --crate-type cdylib``, the exact command maturin runs for
    #: the wheel, so that maturin's run after this one finds every unit fresh (one compile
    #: serves the bundles and the wheel; see ``release.wheel``).
    crate_type: str | None = None
    #: "sccache" | "none" (``[tool.wavecraft] compiler-cache``; WAVECRAFT_COMPILER_CACHE wins)
    compiler_cache: str = "none"
    #: Extra environment for cargo (the editor's embedded paths, ``release.editor``).
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BuildResult:
    artifact: Path
    package_id: str
    features: tuple[str, ...]
    target: str
    release: bool
    fresh: bool
    #: this run's compiler-cache hits and misses (None: no cache in use)
    compiler_cache: ccache.CacheRun | None = None


def cargo_executable() -> str:
    cargo = os.environ.get("CARGO") or shutil.which("cargo")
    if not cargo:
        raise ToolMissing(
            "cargo was not found on PATH",
            hint="install Rust with rustup (https://rustup.rs) or your package manager, "
            "then open a new shell",
        )
    return cargo


def _argv(req: BuildRequest) -> list[str]:
    # Not json-diagnostic-short: it adds `diagnostic-short` to rustc's --json flags, which
    # are part of sccache's key, so no entry would be shared with a plain `cargo build` or
    # maturin's build of the wheel. _first_error writes the short form itself.
    command = "rustc" if req.crate_type else "build"
    argv = [cargo_executable(), command, "--message-format=json-diagnostic-rendered-ansi"]
    argv += ["--manifest-path", str(req.manifest)]
    if req.lib_only:
        argv.append("--lib")
    if req.package:
        argv += ["-p", req.package]
    if req.features:
        argv += ["--features", ",".join(req.features)]
    if req.release:
        argv.append("--release")
    if req.target:
        argv += ["--target", req.target]
    if req.target_dir:
        argv += ["--target-dir", str(req.target_dir)]
    if req.crate_type:
        argv += ["--crate-type", req.crate_type]
    return argv


@functools.cache
def host_triple() -> str:
    """The target triple rustc builds for by default, as ``rustc -vV`` says (not a guess
    from ``uname``: musl, 32-bit userlands and Rosetta all differ from one)."""
    rustc = os.environ.get("RUSTC") or shutil.which("rustc")
    if not rustc:
        raise ToolMissing(
            "rustc was not found on PATH",
            hint="install Rust with rustup (https://rustup.rs), then open a new shell",
        )
    done = run([rustc, "-vV"], timeout=30.0)
    for line in done.stdout.splitlines():
        if line.startswith("host:"):
            return line.split(":", 1)[1].strip()
    raise ToolMissing(f"`{rustc} -vV` did not name the host triple (exit {done.returncode})",
                      hint="check the Rust installation with `rustc -vV`")


def _short(diag: dict[str, Any]) -> str:
    """rustc's diagnostic in one line: ``src/lib.rs:3:5: error[E0425]: cannot find ...``."""
    code = (diag.get("code") or {}).get("code")
    head = f"{diag.get('level', 'error')}{f'[{code}]' if code else ''}: "
    text = head + str(diag.get("message") or "compile error").splitlines()[0]
    spans = [s for s in diag.get("spans") or [] if s.get("is_primary")]
    if spans:
        where = (spans[0].get(k) for k in ("file_name", "line_start", "column_start"))
        text = ":".join(str(w) for w in where) + f": {text}"
    return text


def _first_error(messages: list[dict[str, Any]], stderr_text: str) -> str:
    for msg in messages:
        inner = msg.get("message") or {}
        if msg.get("reason") == "compiler-message" and inner.get("level") == "error":
            return _short(inner)
    for line in stderr_text.splitlines():
        if line.lstrip().startswith("error"):
            return line.strip()
    tail = [ln for ln in stderr_text.splitlines() if ln.strip()]
    return tail[-1].strip() if tail else "cargo failed without a message"


def _pick_artifact(req: BuildRequest, artifacts: list[dict[str, Any]]) -> dict[str, Any]:
    cdylibs = [a for a in artifacts if "cdylib" in a.get("target", {}).get("kind", [])]
    if req.package:
        named = [a for a in cdylibs if _package_name(a) == req.package]
        cdylibs = named or cdylibs
    if not cdylibs:
        raise LibraryNotFound(
            "cargo built no cdylib",
            path=req.manifest,
            hint='add `crate-type = ["cdylib"]` to the [lib] section of the plugin\'s Cargo.toml',
        )
    if len(cdylibs) > 1:
        names = ", ".join(sorted({_package_name(a) for a in cdylibs}))
        raise ConfigError(
            f"the build produced several cdylibs ({names})",
            path=req.manifest,
            hint='set `package = "<name>"` in [tool.wavecraft] of pyproject.toml',
        )
    return cdylibs[0]


def _package_name(artifact: dict[str, Any]) -> str:
    # package_id is "path+file:///x/y#name@0.1.0" (new) or "name 0.1.0 (path+...)" (old).
    pid = str(artifact.get("package_id", ""))
    if "#" in pid:
        tail = pid.rsplit("#", 1)[1]
        return tail.split("@", 1)[0] if "@" in tail else Path(pid.split("#")[0]).name
    return pid.split(" ", 1)[0]


@dataclass
class _Outcome:
    code: int
    messages: list[dict[str, Any]]
    artifacts: list[dict[str, Any]]
    stderr: bytes


def _run_cargo(
    req: BuildRequest,
    env: dict[str, str] | None,
    on_line: Callable[[dict[str, Any]], None] | None,
    cancel: threading.Event | None,
) -> _Outcome:
    out = _Outcome(0, [], [], b"")

    def take(line: str) -> None:
        if not line.startswith("{"):
            return
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            return
        reason = msg.get("reason")
        if reason == "compiler-artifact":
            out.artifacts.append(msg)
        elif reason == "compiler-message":
            out.messages.append(msg)
        if on_line is not None:
            on_line(msg)

    if req.env:
        env = {**(os.environ if env is None else env), **dict(req.env)}
    # stderr goes to an anonymous file, not a pipe: no deadlock, no reader thread.
    with tempfile.TemporaryFile() as err:
        out.code = run_lines(
            _argv(req), cwd=req.manifest.parent, env=env, on_stdout=take, stderr=err,
            cancel=cancel,
        )
        err.seek(0)
        out.stderr = err.read()
    return out


def build(
    req: BuildRequest,
    *,
    on_line: Callable[[dict[str, Any]], None] | None = None,
    cancel: threading.Event | None = None,
    stderr_sink: Callable[[bytes], None] | None = None,
) -> BuildResult:
    """Run cargo for ``req`` and return the cdylib it produced.

    ``on_line`` sees every JSON message (progress output), ``stderr_sink`` receives cargo's
    human output when the build is over (verbose mode), ``cancel`` kills the build.
    """
    if not req.manifest.is_file():
        raise ConfigError(
            "no Cargo.toml here", path=req.manifest, hint="pass --project DIR of a plugin"
        )
    cc = ccache.prepare(req.compiler_cache)

    def attempt(env: dict[str, str] | None, stop: threading.Event | None) -> _Outcome:
        return _run_cargo(req, env, on_line, stop)

    def failure_log(outcome: _Outcome) -> str | None:
        return outcome.stderr.decode("utf-8", "replace") if outcome.code != 0 else None

    out = ccache.run_with_fallback(cc, cancel, attempt, what="this build",
                                   failure_log=failure_log)
    stderr_text = out.stderr.decode("utf-8", "replace")
    if stderr_sink is not None:
        stderr_sink(out.stderr)
    if out.code != 0:
        first = _first_error(out.messages, stderr_text)
        raise BuildFailed(
            f"cargo build failed: {first}",
            path=req.manifest,
            hint="fix the error above (run with --verbose for cargo's full output); "
            "the last good parameters and bindings are unchanged",
        )
    art = _pick_artifact(req, out.artifacts)
    lib = _library_file(art, req)
    return BuildResult(
        artifact=lib,
        package_id=str(art.get("package_id", "")),
        features=tuple(sorted(req.features)),
        target=req.target or host_triple(),
        release=req.release,
        fresh=bool(art.get("fresh", False)),
        compiler_cache=ccache.finish(cc),
    )


def _library_file(art: dict[str, Any], req: BuildRequest) -> Path:
    suffixes = (".so", ".dylib", ".dll")
    files = [Path(f) for f in art.get("filenames", []) if str(f).endswith(suffixes)]
    if not files or not files[0].is_file():
        raise LibraryNotFound(
            "cargo reported a cdylib but its file is missing",
            path=files[0] if files else req.manifest,
            hint="run `cargo clean` for this crate and build again",
        )
    return files[0]
