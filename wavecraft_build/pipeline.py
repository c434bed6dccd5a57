"""The build pipeline's steps: cargo build -> extract (cached) -> codegen -> save state.

Each step fills in its part of the run's ``Context``; ``steps.run`` executes them.
``build`` and ``dev`` run ``BUILD_STEPS``; ``release`` runs the same steps first (the
parameters of the source being released, and bindings made from them) and then its own.
There is one cargo step, made per kind of build by ``cargo_step``: ``DISCOVERY`` (the
`_param-discovery` library parameters are read from) and ``BUNDLE`` (the library that
ships: no discovery feature, ``--release``); every cargo build of the tool goes through
it and ``cargo.build``. Nothing here prints: progress goes through the context's reporter.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from wavecraft_build import cargo
from wavecraft_build._fs import write_atomic
from wavecraft_build.cache import ParamCache, default_cache_dir, discover
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import CacheError, PresetError
from wavecraft_build.extract import Child
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.presets import Preset, load_checked
from wavecraft_build.steps import Reporter, SilentReporter, Step, run, step

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    from wavecraft_build.codegen import CodegenReport

__all__ = [
    "BUILD_STEPS",
    "BUNDLE",
    "DISCOVERY",
    "BuildKind",
    "Context",
    "Reporter",
    "SilentReporter",
    "build_request",
    "cargo_build",
    "cargo_step",
    "check_presets",
    "codegen",
    "discover",
    "extract_cached",
    "load_state",
    "run",
    "run_cargo",
    "save_state",
]


@dataclass(frozen=True)
class BuildKind:
    """Which library a cargo build makes; ``name`` is also the step's timing key."""

    name: str
    label: str
    #: With ``_param-discovery``: parameters readable, no host entry points registered.
    discovery: bool


#: The library parameters are read from (profile: ``Context.release``, debug by default).
DISCOVERY = BuildKind("cargo_build", "cargo build", discovery=True)
#: The library that ships in the bundles: no discovery feature, always ``--release``.
BUNDLE = BuildKind("release_build", "cargo build --release", discovery=False)


@dataclass
class Context:
    project: ProjectConfig
    #: Build the discovery library with ``--release`` (``wavecraft-build build --release``).
    release: bool = False
    use_cache: bool = True
    cache: ParamCache | None = None
    reporter: Reporter = field(default_factory=SilentReporter)
    cancel: threading.Event | None = None
    child: Child | None = None
    #: A user UI stub that places a removed parameter: "error" (build, codegen) or "note" (dev).
    stale_stubs: Literal["error", "note"] = "error"
    # Filled in by the steps:
    builds: dict[BuildKind, cargo.BuildResult] = field(default_factory=dict)
    result: ExtractionResult | None = None
    cache_hit: bool = False
    codegen_report: CodegenReport | None = None
    #: The project's presets/, checked against ``result`` (``check_presets``).
    presets: list[Preset] = field(default_factory=list)
    #: A bad preset: "error" (build, release) or "note" (dev: the DSP still reloads).
    bad_presets: Literal["error", "note"] = "error"
    #: The bad preset's ``error[preset]`` text under ``bad_presets="note"``.
    preset_note: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def build(self) -> cargo.BuildResult | None:
        """The discovery build (the one parameters come from)."""
        return self.builds.get(DISCOVERY)

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(sorted({cargo.DISCOVERY_FEATURE, *self.project.features}))

    @property
    def release_features(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.project.features) - {cargo.DISCOVERY_FEATURE}))

    def param_cache(self) -> ParamCache | None:
        """The parameter cache of this run (None with ``use_cache=False``)."""
        if not self.use_cache:
            return None
        if self.cache is None:
            self.cache = ParamCache(default_cache_dir())
        return self.cache


def build_request(ctx: Context, kind: BuildKind) -> cargo.BuildRequest:
    """What cargo builds for ``kind``: the discovery library, or the one that ships (built
    as maturin builds it, ``cargo rustc --crate-type cdylib``, so the wheel reuses it)."""
    return cargo.BuildRequest(
        manifest=ctx.project.manifest,
        features=ctx.features if kind.discovery else ctx.release_features,
        release=ctx.release if kind.discovery else True,
        package=ctx.project.package,
        compiler_cache=ctx.project.compiler_cache,
        crate_type=None if kind.discovery else "cdylib",
    )


def run_cargo(ctx: Context, req: cargo.BuildRequest) -> cargo.BuildResult:
    """``cargo.build`` with the run's reporter and cancel event."""
    return cargo.build(
        req,
        on_line=ctx.reporter.cargo_message,
        cancel=ctx.cancel,
        stderr_sink=ctx.reporter.tool_output,
    )


def cargo_step(kind: BuildKind) -> Step[Context]:
    """The cargo build step for ``kind``; its result lands in ``ctx.builds[kind]``."""

    def build(ctx: Context) -> None:
        ctx.builds[kind] = run_cargo(ctx, build_request(ctx, kind))

    return Step(kind.label, build, name=kind.name)


cargo_build = cargo_step(DISCOVERY)


@step("Loading parameters via subprocess")
def extract_cached(ctx: Context) -> None:
    assert ctx.build is not None, "cargo_build runs before extract_cached"
    ctx.result, ctx.cache_hit = discover(
        ctx.build.artifact,
        features=ctx.build.features,
        target=ctx.build.target,
        timeout=ctx.project.timeout,
        cache=ctx.param_cache(),
        child=ctx.child,
    )


@step("check presets")
def check_presets(ctx: Context) -> None:
    """A preset naming an unknown id, or a value out of range, fails the build before
    codegen: the last good bindings stay."""
    assert ctx.result is not None
    try:
        ctx.presets = load_checked(ctx.project.root, ctx.result)
    except PresetError as exc:
        if ctx.bad_presets == "error":
            raise
        ctx.preset_note = f"warning: {exc.render()}"


def _state_file(project: ProjectConfig) -> Path:
    return project.state_dir / "params.json"


@step("")
def save_state(ctx: Context) -> None:
    """Record the last good parameters for ``codegen`` and the dev loop's diffs."""
    assert ctx.result is not None
    write_atomic(_state_file(ctx.project), json.dumps(ctx.result.to_json(), indent=1) + "\n")


def load_state(project: ProjectConfig) -> ExtractionResult | None:
    path = _state_file(project)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise CacheError(
            f"corrupt state file: {exc}",
            path=path,
            hint="run `wavecraft-build build` to recreate it",
        ) from None
    return ExtractionResult.from_json(data, source=path)


@step("codegen")
def codegen(ctx: Context) -> None:
    assert ctx.result is not None
    from wavecraft_build.codegen import generate

    ctx.codegen_report = generate(
        ctx.result,
        ui_dir=ctx.project.ui,
        python_module=ctx.project.python_bindings,
        # `[tool.wavecraft] dev-port`: the URL the client falls back to without Vite env.
        engine_port=ctx.project.dev_port,
        stale_stubs=ctx.stale_stubs,
    )


# codegen before save_state: the recorded state only moves once the files match it.
BUILD_STEPS: tuple[Step[Context], ...] = (
    cargo_build, extract_cached, check_presets, codegen, save_state)
