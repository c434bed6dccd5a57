"""Release: VST3 and CLAP bundles, a manifest, a Python wheel, and an optional install.

``release()`` runs a list of small steps over one ``ReleaseContext``, like ``pipeline.run``:

    check_tools -> reference_params -> ui_build -> release_build -> check_params
    -> stage_bundles -> build_wheel -> write_manifest -> publish -> install

* The reference parameters are a discovery extraction: the one the last ``build`` recorded
  in ``.wavecraft/params.json`` (exactly what the UI bindings were generated from), or a
  fresh ``pipeline`` run (discovery build, extraction, codegen, state) when there is none,
  when ``fresh_discovery`` is asked, or when the release library disagrees with it. So a
  warm release runs one cargo build, and a release never ships parameter ids the UI does
  not know: the release library's own list (extracted in the isolated child, cached by
  content) must equal the reference, id for id and in order.
* Everything is staged in a hidden folder beside the output folder and swapped in with one
  rename only when every step succeeded: a failed build, check or wheel keeps the previous
  bundles. The output folder is ``<target>/bundled``, where ``<target>`` is the folder
  cargo built into (the release artifact is ``<target>/release/<lib>``; taking it from
  cargo's artifact message honours ``CARGO_TARGET_DIR``, workspaces and
  ``build.target-dir`` without running ``cargo metadata``).
* The wheel is built by maturin (``bindings = "cffi"``) from a throwaway project the tool
  writes under ``<target>/wavecraft-wheel/``; see ``wavecraft_build._wheel``.

Nothing here prints; progress goes to the ``Reporter`` passed in (``pipeline.Reporter``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wavecraft_build import __version__, _bundle, _wheel, cargo
from wavecraft_build import compiler_cache as ccache
from wavecraft_build._fs import write_atomic
from wavecraft_build._tools import (
    Runner,
    build_ui,
    git_info,
    maturin_argv,
    npm_executable,
    run_logged,
)
from wavecraft_build.cache import ParamCache, default_cache_dir
from wavecraft_build.config import ProjectConfig, read_toml
from wavecraft_build.errors import (
    ConfigError,
    ReleaseError,
    ToolMissing,
    WavecraftError,
)
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.pipeline import (
    Context,
    Reporter,
    SilentReporter,
    cargo_build,
    codegen,
    discover,
    extract_cached,
    load_state,
    run,
    save_state,
)

__all__ = [
    "MANIFEST_NAME",
    "PluginIdentity",
    "ReleaseOptions",
    "ReleaseReport",
    "plugin_identity",
    "release",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = 1
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$")

REPRODUCIBILITY_NOTE = (
    "Bundle files are staged with fixed modes and mtimes (SOURCE_DATE_EPOCH, else "
    "1980-01-01), so their hashes are the library's hash. Rebuilding the same source with "
    "the same toolchain, features, project path and target dir gives byte-identical "
    "bundles and wheel (measured: touching a source and rebuilding reproduces every hash). "
    "A different project path or toolchain changes the library: cargo and rustc hash the "
    "package's path and embed source paths (RUSTFLAGS=--remap-path-prefix is a user "
    "choice). The wheel's library is maturin's own build of the crate (cargo rustc "
    "--crate-type cdylib), so its hash differs from the bundles' by design."
)


# -- data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseOptions:
    """What a release does. ``out_dir`` defaults to ``<target>/bundled``; ``home`` is the
    folder the install folders are under (default ``$HOME``); ``platform_name`` picks the
    bundle layout (default: this machine's ``sys.platform``; others are for checking
    layouts, not for shipping)."""

    install: bool = False
    ui: bool = True
    wheel: bool = True
    fresh_discovery: bool = False
    use_cache: bool = True
    out_dir: Path | None = None
    home: Path | None = None
    platform_name: str | None = None


@dataclass(frozen=True)
class PluginIdentity:
    """How the release names the plugin (bundle name, version, macOS bundle id)."""

    name: str
    version: str
    crate: str
    lib_name: str
    identifier: str


@dataclass
class ReleaseReport:
    identity: PluginIdentity
    out_dir: Path
    bundles: dict[str, Path]
    manifest: Path
    wheel: Path | None
    installed: list[Path]
    parameters: tuple[str, ...]
    files: dict[str, str]
    discovery_rebuilt: bool
    timings: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.identity.name,
            "version": self.identity.version,
            "out_dir": str(self.out_dir),
            "bundles": {k: str(v) for k, v in self.bundles.items()},
            "manifest": str(self.manifest),
            "wheel": str(self.wheel) if self.wheel else None,
            "installed": [str(p) for p in self.installed],
            "parameters": list(self.parameters),
            "discovery_rebuilt": self.discovery_rebuilt,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }

    def lines(self) -> list[str]:
        out = [f"{fmt.upper():<8} {path}" for fmt, path in self.bundles.items()]
        if self.wheel is not None:
            out.append(f"{'wheel':<8} {self.wheel}")
        out.append(f"{'manifest':<8} {self.manifest}")
        out += [f"{'install':<8} {path}" for path in self.installed]
        out.append(f"{len(self.parameters)} parameters, checked against discovery")
        vst3 = self.bundles.get("vst3")
        if vst3 is not None and not self.installed:
            out.append(
                "load it: copy the bundles to ~/.vst3 and ~/.clap (or run `wavecraft-build "
                "release --install`) and rescan in your host, or from Python: "
                f"pedalboard.load_plugin({str(vst3)!r})"
            )
        return out


@dataclass
class ReleaseContext:
    project: ProjectConfig
    options: ReleaseOptions
    identity: PluginIdentity
    reporter: Reporter = field(default_factory=SilentReporter)
    cancel: threading.Event | None = None
    # Filled in by the steps:
    reference: ExtractionResult | None = None
    discovery_rebuilt: bool = False
    build: cargo.BuildResult | None = None
    released: ExtractionResult | None = None
    staging: Path | None = None
    entries: dict[str, Path] = field(default_factory=dict)
    wheel: Path | None = None
    files: dict[str, str] = field(default_factory=dict)
    installed: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: git_info, started in the background while cargo runs (it spawns git twice).
    git: Future[dict[str, Any] | None] | None = None

    @property
    def target_dir(self) -> Path:
        assert self.build is not None, "release_build runs first"
        return target_dir_of(self.build)

    @property
    def out_dir(self) -> Path:
        return self.options.out_dir or self.target_dir / "bundled"

    @property
    def release_features(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.project.features) - {cargo.DISCOVERY_FEATURE}))


Step = Callable[[ReleaseContext], None]


def target_dir_of(build: cargo.BuildResult) -> Path:
    """The cargo target dir of a build: ``<target>/release/<lib>`` -> ``<target>``."""
    return build.artifact.parent.parent


# -- identity --------------------------------------------------------------------------


def plugin_identity(project: ProjectConfig) -> PluginIdentity:
    """Bundle name and version of the project, from the engine's Cargo.toml.

    The name is ``[package.metadata.wavecraft] name`` when the crate sets it, else the
    package name (what nih_plug_xtask uses too); ``bundle-id`` there sets the macOS bundle
    identifier (default ``com.wavecraft.<package>``). The name becomes a file name, so it
    is checked: letters, digits, space, ``._+-``, at most 64 characters.
    """
    data = read_toml(project.manifest)
    package = data.get("package")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        raise ConfigError("the engine's Cargo.toml has no [package] name", path=project.manifest)
    crate = str(package["name"])
    version = package.get("version")
    if not isinstance(version, str):
        version = "0.0.0"  # `version.workspace = true` or none: cargo's default
    meta = package.get("metadata", {})
    meta = meta.get("wavecraft", {}) if isinstance(meta, dict) else {}
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name", crate)
    identifier = meta.get("bundle-id", f"com.wavecraft.{crate}")
    if not isinstance(name, str) or not _NAME_RE.match(name) or name.strip() != name:
        raise ConfigError(
            f"plugin name {name!r} cannot name a bundle file",
            path=project.manifest,
            hint="set [package.metadata.wavecraft] name to letters, digits, spaces and ._+- "
            "(at most 64 characters)",
        )
    if not isinstance(identifier, str) or not re.fullmatch(r"[A-Za-z0-9.-]+", identifier):
        raise ConfigError(
            f"bundle id {identifier!r} is not a reverse-DNS id",
            path=project.manifest,
            hint="set [package.metadata.wavecraft] bundle-id like com.vendor.plugin",
        )
    return PluginIdentity(
        name=name, version=version, crate=crate, lib_name=project.lib_name, identifier=identifier
    )


# -- tools -----------------------------------------------------------------------------


def _ui_package(ctx: ReleaseContext) -> Path | None:
    ui = ctx.project.ui
    if not ctx.options.ui or ui is None or not (ui / "package.json").is_file():
        return None
    return ui


def check_tools(ctx: ReleaseContext) -> None:
    """Fail before any long build when a needed tool is missing."""
    ctx.reporter.step("check tools")
    cargo.cargo_executable()
    if _ui_package(ctx) is not None:
        npm_executable()
    if ctx.options.wheel:
        maturin_argv()
        if importlib.util.find_spec("cffi") is None:  # pragma: no cover - a dependency
            raise ToolMissing("cffi is not installed (maturin's cffi bindings need it)",
                              hint="pip install cffi")


# -- parameters ------------------------------------------------------------------------


def _discovery(ctx: ReleaseContext) -> None:
    pctx = Context(
        project=ctx.project, use_cache=ctx.options.use_cache, reporter=ctx.reporter,
        cancel=ctx.cancel,
    )
    run(pctx, steps=(cargo_build, extract_cached, codegen, save_state))
    ctx.reference = pctx.result
    ctx.discovery_rebuilt = True


def reference_params(ctx: ReleaseContext) -> None:
    """The discovery parameters the UI knows: recorded by the last build, or built now."""
    ctx.reference = None
    if not ctx.options.fresh_discovery:
        with contextlib.suppress(WavecraftError):  # a corrupt state file is rebuilt
            ctx.reference = load_state(ctx.project)
    if ctx.reference is None:
        _discovery(ctx)


def release_build(ctx: ReleaseContext) -> None:
    ctx.reporter.step("cargo build --release")
    req = cargo.BuildRequest(
        manifest=ctx.project.manifest,
        features=ctx.release_features,
        release=True,
        package=ctx.project.package,
        compiler_cache=ctx.project.compiler_cache,
    )
    ctx.build = cargo.build(
        req, on_line=ctx.reporter.cargo_message, cancel=ctx.cancel,
        stderr_sink=ctx.reporter.tool_output,
    )


def _released_params(ctx: ReleaseContext) -> ExtractionResult:
    assert ctx.build is not None
    cache = ParamCache(default_cache_dir()) if ctx.options.use_cache else None
    result, _hit = discover(
        ctx.build.artifact, features=ctx.build.features, target=ctx.build.target,
        timeout=ctx.project.timeout, cache=cache,
    )
    return result


def _id_diff(reference: Sequence[str], released: Sequence[str]) -> str:
    missing = [i for i in reference if i not in released]
    extra = [i for i in released if i not in reference]
    parts = []
    if extra:
        parts.append("not in discovery: " + ", ".join(extra[:6]))
    if missing:
        parts.append("missing from release: " + ", ".join(missing[:6]))
    return "; ".join(parts) or "same ids in a different order"


def check_params(ctx: ReleaseContext) -> None:
    """The release library's parameter ids must equal the discovery ids, in order.

    A stale recorded reference is refreshed once (discovery build, codegen, UI build and
    a release build that is a no-op unless the crate embeds the UI); a real disagreement
    between the two builds is an error, so a release never ships unknown parameters.
    """
    ctx.reporter.step("check release parameters")
    assert ctx.build is not None and ctx.reference is not None
    ctx.released = _released_params(ctx)
    if ctx.released.ids == ctx.reference.ids:
        return
    if not ctx.discovery_rebuilt:
        _discovery(ctx)
        assert ctx.reference is not None
        if ctx.released.ids == ctx.reference.ids:
            ui_build(ctx)  # the bindings just changed
            release_build(ctx)
            ctx.released = _released_params(ctx)
    if ctx.released.ids != ctx.reference.ids:
        raise ReleaseError(
            "the release build's parameters differ from the discovery build's ("
            + _id_diff(ctx.reference.ids, ctx.released.ids) + ")",
            path=ctx.build.artifact,
            hint="parameters must not depend on the `_param-discovery` feature or on the "
            "profile; nothing was bundled and the previous bundles are unchanged",
        )


# -- UI --------------------------------------------------------------------------------


def _runner(ctx: ReleaseContext) -> Runner:
    """Run a tool in its own process group, its output to the reporter, cancellable."""

    def run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None) -> tuple[int, str]:
        return run_logged(argv, cwd, sink=ctx.reporter.tool_output, cancel=ctx.cancel, env=env)

    return run


def ui_build(ctx: ReleaseContext) -> None:
    """``npm ci`` (``npm install`` without a lockfile), then ``npm run build`` in ui/."""
    ui = _ui_package(ctx)
    if ui is not None:
        build_ui(ui, _runner(ctx), ctx.reporter.step)


# -- bundles, wheel, manifest ----------------------------------------------------------


def source_date_epoch() -> int:
    text = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(text) if text.isdigit() else _bundle.DEFAULT_EPOCH


def stage_bundles(ctx: ReleaseContext) -> None:
    ctx.reporter.step("bundle")
    assert ctx.build is not None
    out = ctx.out_dir
    if out.exists() and not out.is_dir():
        raise ReleaseError("the output path is a file, not a folder", path=out,
                           hint="remove it or pass another --out")
    vst3, clap = _bundle.layout(
        ctx.identity.name, ctx.build.artifact, platform_name=ctx.options.platform_name,
        identifier=ctx.identity.identifier, version=ctx.identity.version,
    )
    ctx.entries = {"vst3": out / vst3.entry, "clap": out / clap.entry}
    if not ctx.options.wheel:
        planned = _planned_files(ctx, (vst3, clap))
        if _already_published(out, planned):
            # Same bytes already in place: touch nothing (hosts and watchers see no change).
            ctx.files = {rel: sha for rel, (sha, _size) in planned.items()}
            return
    _bundle.remove_leftovers(out)
    ctx.staging = _bundle.staging_dir(out)
    ctx.files = _bundle.stage((vst3, clap), ctx.staging, epoch=source_date_epoch())


def _planned_files(
    ctx: ReleaseContext, bundles: tuple[_bundle.Bundle, ...]
) -> dict[str, tuple[str, int]]:
    """sha256 and size of every bundle file, without copying (the library's hash comes from
    the cache's stat fast path, already computed by the parameter check)."""
    cache = ParamCache(default_cache_dir()) if ctx.options.use_cache else None
    out: dict[str, tuple[str, int]] = {}
    for bundle in bundles:
        for rel, source in bundle.files.items():
            if isinstance(source, bytes):
                out[rel] = (hashlib.sha256(source).hexdigest(), len(source))
            else:
                sha = cache.library_hash(source) if cache else _bundle.hash_file(source)
                out[rel] = (sha, source.stat().st_size)
    return dict(sorted(out.items()))


def _already_published(out: Path, planned: dict[str, tuple[str, int]]) -> bool:
    """True when ``out`` holds exactly these bundle files, as a previous release wrote them.

    Trusts the previous manifest plus each file's size and fixed mtime (a release sets it
    to SOURCE_DATE_EPOCH); any doubt means a full re-stage.
    """
    try:
        old = json.loads((out / MANIFEST_NAME).read_bytes())
    except (OSError, ValueError):
        return False
    wanted = {rel: sha for rel, (sha, _size) in planned.items()}
    if not isinstance(old, dict) or old.get("wheel") is not None or old.get("files") != wanted:
        return False
    epoch = source_date_epoch()
    for rel, (_sha, size) in planned.items():
        try:
            st = (out / rel).stat()
        except OSError:
            return False
        if st.st_size != size or int(st.st_mtime) != epoch:
            return False
    return True


def build_wheel(ctx: ReleaseContext) -> None:
    if not ctx.options.wheel:
        return
    ctx.reporter.step("maturin build (Python wheel)")
    assert ctx.staging is not None and ctx.reference is not None
    ident = ctx.identity
    project = _wheel.WheelProject(
        crate=ident.crate, name=ident.name, lib_name=ident.lib_name, version=ident.version,
        manifest=ctx.project.manifest, parameters=ctx.reference.parameters,
        features=ctx.release_features,
    )
    staged = _wheel_through_cache(ctx, project)
    ctx.wheel = ctx.out_dir / staged.name


def _wheel_through_cache(ctx: ReleaseContext, project: _wheel.WheelProject) -> Path:
    """maturin runs cargo itself: the same compiler cache and the same fallbacks as cargo."""

    def attempt(env: dict[str, str] | None, cancel: threading.Event | None) -> Path:
        assert ctx.staging is not None

        def run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None) -> tuple[int, str]:
            return run_logged(argv, cwd, sink=ctx.reporter.tool_output, cancel=cancel, env=env)

        return _wheel.build_wheel(project, target_dir=ctx.target_dir, dest_dir=ctx.staging,
                                  run=run, epoch=source_date_epoch(), env=env)

    cache = ccache.prepare(ctx.project.compiler_cache)
    return ccache.run_with_fallback(cache, ctx.cancel, attempt, what="maturin's build")


def write_manifest(ctx: ReleaseContext) -> None:
    ctx.reporter.step("manifest")
    assert ctx.build is not None and ctx.released is not None
    if ctx.wheel is not None and ctx.staging is not None:
        ctx.files[ctx.wheel.name] = _bundle.hash_file(ctx.staging / ctx.wheel.name)
    ctx.files = dict(sorted(ctx.files.items()))
    ident = ctx.identity
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "name": ident.name,
        "version": ident.version,
        "crate": ident.crate,
        "lib_name": ident.lib_name,
        "bundle_id": ident.identifier,
        "tool": {"name": "wavecraft-build", "version": __version__},
        "git": ctx.git.result() if ctx.git is not None else git_info(ctx.project.root),
        "target": ctx.build.target,
        "profile": "release",
        "features": list(ctx.release_features),
        "parameters": list(ctx.released.ids),
        "bundles": {fmt: path.name for fmt, path in ctx.entries.items()},
        "wheel": ctx.wheel.name if ctx.wheel else None,
        "files": ctx.files,
        "source_date_epoch": source_date_epoch(),
        "reproducibility": REPRODUCIBILITY_NOTE,
    }
    folder = ctx.staging or ctx.out_dir  # no staging: the bundles were already in place
    path = folder / MANIFEST_NAME
    if write_atomic(path, json.dumps(manifest, indent=2) + "\n"):
        epoch = source_date_epoch()
        os.utime(path, (epoch, epoch))
        os.utime(folder, (epoch, epoch))


def publish(ctx: ReleaseContext) -> None:
    """Swap the staged folder in as the output folder: all or nothing."""
    ctx.reporter.step("publish")
    if ctx.staging is None:
        return  # unchanged bundles were left in place
    _bundle.swap_into(ctx.staging, ctx.out_dir)
    ctx.staging = None


def install(ctx: ReleaseContext) -> None:
    if not ctx.options.install:
        return
    ctx.reporter.step("install")
    folders = _bundle.install_dirs(ctx.options.platform_name, ctx.options.home)
    for fmt, entry in ctx.entries.items():
        try:
            ctx.installed.append(_bundle.install_entry(entry, folders[fmt]))
        except OSError as exc:
            raise ReleaseError(
                f"could not install the {fmt.upper()} bundle: {exc.strerror or exc}",
                path=folders[fmt] / entry.name,
                hint="check that the folder is writable; the bundles in "
                f"{ctx.out_dir} are complete and can be copied by hand",
            ) from None


RELEASE_STEPS: tuple[Step, ...] = (
    check_tools,
    reference_params,
    ui_build,
    release_build,
    check_params,
    stage_bundles,
    build_wheel,
    write_manifest,
    publish,
    install,
)


def release(
    project: ProjectConfig,
    options: ReleaseOptions | None = None,
    reporter: Reporter | None = None,
    *,
    cancel: threading.Event | None = None,
    steps: Sequence[Step] = RELEASE_STEPS,
) -> ReleaseReport:
    """Build and publish the release of ``project``; see the module docstring for the steps.

    Raises a ``WavecraftError`` (``ToolMissing``, ``BuildFailed``, ``ReleaseError``...) with
    the previous bundles left untouched, or ``Cancelled`` when ``cancel`` is set.
    """
    ctx = ReleaseContext(
        project=project, options=options or ReleaseOptions(),
        identity=plugin_identity(project), reporter=reporter or SilentReporter(), cancel=cancel,
    )
    pool = ThreadPoolExecutor(max_workers=1)
    ctx.git = pool.submit(git_info, project.root)
    try:
        for step in steps:
            if cancel is not None and cancel.is_set():
                from wavecraft_build._proc import Cancelled

                raise Cancelled(step.__name__)
            start = time.perf_counter()
            step(ctx)
            ctx.timings[step.__name__] = time.perf_counter() - start
    finally:
        pool.shutdown(wait=True)
        if ctx.staging is not None:
            shutil.rmtree(ctx.staging, ignore_errors=True)
    assert ctx.released is not None
    out = ctx.out_dir
    return ReleaseReport(
        identity=ctx.identity,
        out_dir=out,
        bundles=ctx.entries,
        manifest=out / MANIFEST_NAME,
        wheel=ctx.wheel,
        installed=ctx.installed,
        parameters=ctx.released.ids,
        files=ctx.files,
        discovery_rebuilt=ctx.discovery_rebuilt,
        timings=ctx.timings,
    )


# -- CLI -------------------------------------------------------------------------------
