"""The release steps that build what the bundles ship: the UI (``npm ci``, ``npm run
build``), the editor's parts, the release library itself (per target, lipo for
``--universal``), and the check that its parameters equal the discovery build's."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence

from wavecraft_build import cargo
from wavecraft_build.errors import ReleaseError
from wavecraft_build.pipeline import BUNDLE, build_request, discover, run_cargo
from wavecraft_build.release import editor, targets
from wavecraft_build.release._steps_shared import tool_runner, ui_package
from wavecraft_build.release.context import ReleaseContext
from wavecraft_build.release.tools import npm_executable, run_npm
from wavecraft_build.steps import Step, step

__all__ = ["check_params", "npm_build", "npm_step", "prepare_editor", "release_build"]


def npm_step(name: str, args: tuple[str, ...]) -> Step[ReleaseContext]:
    """A step running ``npm <args>`` in the UI folder (labelled ``npm ci``, ``npm run build``)."""

    def npm(ctx: ReleaseContext) -> None:
        ui = ui_package(ctx)
        assert ui is not None
        run_npm([npm_executable(), *args], ui, tool_runner(ctx))

    return Step(" ".join(["npm", *args[:2]]), npm, name=name)


npm_build = npm_step("npm_build", ("run", "build"))


@step("editor")
def prepare_editor(ctx: ReleaseContext) -> None:
    """``ui/dist`` packed and, for Linux, the editor helper (built once per machine), for
    the release library to embed; without WebKitGTK, no editor and one line saying why."""
    planned = targets.plan(ctx.options.target, ctx.options.universal)[0]
    platform = targets.layout_of(planned)[0] or sys.platform
    if platform == "linux" and not targets.runs_here(planned):
        # The helper is an executable of its own: it would need the other machine's WebKitGTK.
        ctx.notes.append("no editor in a cross build for another Linux machine: the bundles "
                         "have none")
        return
    ui = ui_package(ctx) or ctx.project.ui
    ctx.editor, why_not = editor.prepare(
        ctx.project.manifest, ui / "dist" if ui is not None else None,
        ctx.project.root / ".wavecraft" / "editor-ui.bin", tool_runner(ctx),
        cargo.cargo_executable(), dev_url=ctx.options.dev_editor, platform=platform,
    )
    if why_not:
        ctx.notes.append(why_not)


@step(BUNDLE.label)
def release_build(ctx: ReleaseContext) -> None:
    """The shipped library: ``cargo rustc --crate-type cdylib --release``, once per target
    (two for ``--universal``, joined by lipo). The same command maturin runs, so the
    wheel's maturin finds it fresh and packages this very file (one compile, two uses)."""
    planned = targets.plan(ctx.options.target, ctx.options.universal)
    request = build_request(ctx, BUNDLE)
    if ctx.editor is not None:
        request = dataclasses.replace(
            request, features=(*request.features, editor.EDITOR_FEATURE), env=ctx.editor.env(),
            # --dev-editor: a debug build (its editor loads the dev server), never a release.
            release=ctx.editor.dev_url is None,
        )
    builds = [run_cargo(ctx, dataclasses.replace(request, target=t)) for t in planned]
    build = builds[0]
    if len(builds) > 1:
        # <target>/<triple>/release/lib.dylib -> <target>/universal-apple-darwin/release/
        root = build.artifact.parent.parent.parent
        out = root / targets.UNIVERSAL_NAME / "release" / build.artifact.name
        build = dataclasses.replace(
            build, artifact=targets.lipo([b.artifact for b in builds], out),
            target=targets.UNIVERSAL_NAME, fresh=all(b.fresh for b in builds),
        )
    ctx.builds[BUNDLE] = build


def _id_diff(reference: Sequence[str], released: Sequence[str]) -> str:
    missing = [i for i in reference if i not in released]
    extra = [i for i in released if i not in reference]
    parts = []
    if extra:
        parts.append("not in discovery: " + ", ".join(extra[:6]))
    if missing:
        parts.append("missing from release: " + ", ".join(missing[:6]))
    return "; ".join(parts) or "same ids in a different order"


@step("check release parameters")
def check_params(ctx: ReleaseContext) -> None:
    """The release library's parameter ids must equal the discovery ids, in order."""
    assert ctx.result is not None
    build = ctx.bundle_build
    if not targets.runs_here(ctx.options.target):
        # A library for another machine cannot be loaded here to ask it; the ids are this
        # source's discovery build's (the same source, built for the host a moment ago).
        ctx.released = ctx.result
        return
    ctx.released, _hit = discover(
        build.artifact, features=build.features, target=build.target,
        timeout=ctx.project.timeout, cache=ctx.param_cache(),
    )
    if ctx.released.ids != ctx.result.ids:
        raise ReleaseError(
            "the release build's parameters differ from the discovery build's ("
            + _id_diff(ctx.result.ids, ctx.released.ids) + ")",
            path=build.artifact,
            hint="parameters must not depend on the `_param-discovery` feature or on the "
            "profile; nothing was bundled and the previous bundles are unchanged",
        )
