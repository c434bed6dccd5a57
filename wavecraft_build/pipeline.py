"""The build pipeline as a list of small steps: cargo build -> extract (cached) -> save -> codegen.

Each step takes the run's ``Context`` and fills in its part; ``run`` executes a list of
them in order and records each one's time. ``build``, ``dev`` and ``release`` pick the
steps they need, so the flow of data stays one-way and readable in one place. Nothing
here prints: progress goes through the ``Reporter`` the caller passes in.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from wavecraft_build import cargo
from wavecraft_build._fs import write_atomic
from wavecraft_build._proc import Cancelled
from wavecraft_build.cache import ParamCache, default_cache_dir
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import CacheError
from wavecraft_build.extract import Child, extract_params, require_library
from wavecraft_build.metadata import ExtractionResult

__all__ = [
    "BUILD_STEPS",
    "Context",
    "Reporter",
    "SilentReporter",
    "cargo_build",
    "codegen",
    "discover",
    "extract_cached",
    "load_state",
    "run",
    "save_state",
]


class Reporter(Protocol):
    def step(self, name: str) -> None: ...
    def cargo_message(self, msg: dict[str, Any]) -> None: ...
    def tool_output(self, data: bytes) -> None:
        """A finished tool's own output (cargo, npm, maturin): shown with --verbose."""


class SilentReporter:
    """Reports nothing (library use, tests)."""

    def step(self, name: str) -> None:
        pass

    def cargo_message(self, msg: dict[str, Any]) -> None:
        pass

    def tool_output(self, data: bytes) -> None:
        pass


@dataclass
class Context:
    project: ProjectConfig
    release: bool = False
    use_cache: bool = True
    cache: ParamCache | None = None
    reporter: Reporter = field(default_factory=SilentReporter)
    cancel: threading.Event | None = None
    child: Child | None = None
    # Filled in by the steps:
    build: cargo.BuildResult | None = None
    result: ExtractionResult | None = None
    cache_hit: bool = False
    codegen_report: Any = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(sorted({cargo.DISCOVERY_FEATURE, *self.project.features}))


Step = Callable[[Context], None]


def discover(
    lib: Path,
    *,
    features: Sequence[str],
    target: str,
    timeout: float,
    cache: ParamCache | None,
    child: Child | None = None,
) -> tuple[ExtractionResult, bool]:
    """Parameters of ``lib``: from the cache when its content key is known, else extracted.

    Returns (result, cache_hit). A failed extraction stores nothing. ``child`` is a
    pre-started extraction child; a cache hit leaves it unused for next time.
    """
    require_library(lib)
    if cache is None:
        return extract_params(lib, timeout=timeout, child=child), False
    key = cache.key(lib, features=features, target=target)
    hit = cache.get(key)
    if hit is not None:
        return hit, True
    result = extract_params(lib, timeout=timeout, child=child)
    cache.put(key, result)
    return result, False


def cargo_build(ctx: Context) -> None:
    ctx.reporter.step("cargo build")
    req = cargo.BuildRequest(
        manifest=ctx.project.manifest,
        features=ctx.features,
        release=ctx.release,
        package=ctx.project.package,
        compiler_cache=ctx.project.compiler_cache,
    )
    ctx.build = cargo.build(
        req,
        on_line=ctx.reporter.cargo_message,
        cancel=ctx.cancel,
        stderr_sink=ctx.reporter.tool_output,
    )


def extract_cached(ctx: Context) -> None:
    assert ctx.build is not None, "cargo_build runs before extract_cached"
    ctx.reporter.step("Loading parameters via subprocess")
    cache = ctx.cache if ctx.use_cache else None
    if cache is None and ctx.use_cache:
        cache = ParamCache(default_cache_dir())
    ctx.result, ctx.cache_hit = discover(
        ctx.build.artifact,
        features=ctx.build.features,
        target=ctx.build.target,
        timeout=ctx.project.timeout,
        cache=cache,
        child=ctx.child,
    )


def _state_file(project: ProjectConfig) -> Path:
    return project.state_dir / "params.json"


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


def codegen(ctx: Context) -> None:
    assert ctx.result is not None
    ctx.reporter.step("codegen")
    from wavecraft_build.codegen import generate

    ctx.codegen_report = generate(
        ctx.result, ui_dir=ctx.project.ui, python_module=ctx.project.python_bindings
    )


# codegen before save_state: the recorded state only moves once the files match it.
BUILD_STEPS: tuple[Step, ...] = (cargo_build, extract_cached, codegen, save_state)


def run(ctx: Context, steps: Sequence[Step] = BUILD_STEPS) -> Context:
    """Run ``steps`` in order, timing each. The first error stops the run unchanged.

    A set ``ctx.cancel`` stops the run between steps too (``Cancelled``), so a superseded
    build never extracts or writes bindings from stale sources.
    """
    for step in steps:
        if ctx.cancel is not None and ctx.cancel.is_set():
            raise Cancelled(step.__name__)
        start = time.perf_counter()
        step(ctx)
        ctx.timings[step.__name__] = time.perf_counter() - start
    return ctx
