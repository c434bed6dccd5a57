"""The steps of a release, each doing one thing, and the plan that lists them.

    check_tag -> check_tools -> cargo_build -> extract_cached -> check_lock -> check_presets
    -> codegen -> save_state -> project_tests -> npm ci -> npm run build -> release_build
    -> check_params -> stage_presets -> stage_bundles -> build_wheel -> write_manifest
    -> publish -> write_lock -> install

The source being released is built and read first (the build pipeline's own steps), so
the bindings the UI is built from are always those of this source, never a stale record;
the UI is built once; the release library's parameters (read in the isolated child,
cached by content) must then equal the discovery ones, id for id and in order. Everything
is staged beside the output folder and swapped in with one rename, so a failed step keeps
the previous bundles. ``release_steps`` drops the steps the options turn off. The steps
live by what they do: ``steps_checks`` (before the long builds), ``steps_build`` (the UI,
the editor, the release library), ``steps_publish`` (bundles, wheel, manifest, swap).
"""

from __future__ import annotations

from wavecraft_build.pipeline import BUILD_STEPS, cargo_build, extract_cached
from wavecraft_build.release._steps_shared import ui_package
from wavecraft_build.release.context import ReleaseContext
from wavecraft_build.release.steps_build import (
    check_params,
    npm_build,
    npm_step,
    prepare_editor,
    release_build,
)
from wavecraft_build.release.steps_checks import check_lock, check_tag, check_tools, project_tests
from wavecraft_build.release.steps_publish import (
    build_wheel,
    install,
    publish,
    stage_bundles,
    stage_presets,
    write_lock,
    write_manifest,
)
from wavecraft_build.release.tools import npm_install_args
from wavecraft_build.steps import Step

__all__ = ["release_steps"]


def release_steps(ctx: ReleaseContext) -> list[Step[ReleaseContext]]:
    """The steps of this release, in order; the options decide which run."""
    # The lock is checked on the source's parameters before codegen: a renamed id is a
    # broken promise to hosts first (exit 24), and a UI stub that still places the old id
    # follows from that decision, not the other way round (issue 21).
    first = (cargo_build, extract_cached)
    plan: list[Step[ReleaseContext]] = [
        check_tag, check_tools, *first, check_lock, *(s for s in BUILD_STEPS if s not in first),
        project_tests,
    ]
    ui = ui_package(ctx)
    if ui is not None:
        args = npm_install_args(ui)
        if args is not None:
            plan.append(npm_step("npm_install", args))
        plan.append(npm_build)
    if ctx.options.editor:
        plan.append(prepare_editor)
    plan += [release_build, check_params, stage_presets, stage_bundles]
    if ctx.options.wheel:
        plan.append(build_wheel)
    plan += [write_manifest, publish, write_lock]
    if ctx.options.install:
        plan.append(install)
    return plan
