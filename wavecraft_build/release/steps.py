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
the previous bundles. ``release_steps`` drops the steps the options turn off.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from wavecraft_build import cargo, compiler_cache, presets
from wavecraft_build._fs import write_atomic
from wavecraft_build.errors import ProjectTestsFailed, ReleaseError, ToolMissing
from wavecraft_build.pipeline import (
    BUILD_STEPS,
    BUNDLE,
    build_request,
    cargo_build,
    discover,
    extract_cached,
    run_cargo,
)
from wavecraft_build.release import bundle, editor, identity, lock, manifest, preset_files, targets
from wavecraft_build.release.context import MANIFEST_NAME, ReleaseContext
from wavecraft_build.release.tools import (
    Runner,
    git_info,
    maturin_argv,
    npm_executable,
    npm_install_args,
    run_logged,
    run_npm,
)
from wavecraft_build.steps import Step, step

__all__ = ["release_steps"]


def _ui_package(ctx: ReleaseContext) -> Path | None:
    ui = ctx.project.ui
    if not ctx.options.ui or ui is None or not (ui / "package.json").is_file():
        return None
    return ui


@step("check tools")
def check_tools(ctx: ReleaseContext) -> None:
    """Fail before any long build when a needed tool is missing."""
    cargo.cargo_executable()
    # A cross target without its std fails here in one line, not after the discovery build.
    for triple in targets.plan(ctx.options.target, ctx.options.universal):
        if triple is not None:
            targets.check(triple)
    if _ui_package(ctx) is not None:
        npm_executable()
    if ctx.options.wheel:
        maturin_argv()
        if importlib.util.find_spec("cffi") is None:  # pragma: no cover - a dependency
            raise ToolMissing("cffi is not installed (maturin's cffi bindings need it)",
                              hint="pip install cffi")


@step("project tests (pytest)")
def project_tests(ctx: ReleaseContext) -> None:
    """Run the project's tests/ on the discovery build; a failure publishes nothing."""
    from wavecraft_build import project_tests as suite

    assert ctx.build is not None
    if ctx.options.skip_tests or not suite.has_tests(ctx.project):
        reason = "--skip-tests" if ctx.options.skip_tests else "no tests/ folder"
        ctx.tests = {"ran": False, "reason": reason}
        return
    run = suite.run_project_tests(
        ctx.project, ctx.build.artifact, ["-q"], cancel=ctx.cancel,
        on_output=lambda line: ctx.reporter.tool_output(line.encode()))
    total = run.total
    ctx.tests = {"ran": True, "passed": total.passed, "failed": total.failed,
                 "skipped": total.skipped}
    if not run.ok:
        raise ProjectTestsFailed(
            f"the project's tests failed ({total.failed} failed: "
            f"{', '.join(total.failures[:3]) or f'pytest exit {run.returncode}'})",
            path=run.junit, hint="nothing was published and the previous bundles are "
            "unchanged; fix the tests (`nox -s test`) or release with --skip-tests")


@step("check tag")
def check_tag(ctx: ReleaseContext) -> None:
    """Before any build: a tagged release must carry the tag's version everywhere."""
    if ctx.options.tag:
        identity.check_tag(ctx.project, ctx.options.tag)


@step("check parameter lock")
def check_lock(ctx: ReleaseContext) -> None:
    """Released ids are a promise to hosts: stop when this source breaks the lock file."""
    assert ctx.result is not None
    if not ctx.options.accept_param_changes:
        # The presets as written (checked against the parameters by check_presets next).
        lock.require_compatible(ctx.project, ctx.result, presets.load(ctx.project.root))


# -- UI --------------------------------------------------------------------------------


def _runner(ctx: ReleaseContext, cancel: threading.Event | None = None) -> Runner:
    """Run a tool in its own process group, its output to the reporter, cancellable
    (by ``cancel``, default the release's own cancel event)."""
    stop = cancel or ctx.cancel

    def run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None) -> tuple[int, str]:
        return run_logged(argv, cwd, sink=ctx.reporter.tool_output, cancel=stop, env=env)

    return run


def _npm_step(name: str, args: tuple[str, ...]) -> Step[ReleaseContext]:
    """A step running ``npm <args>`` in the UI folder (labelled ``npm ci``, ``npm run build``)."""

    def npm(ctx: ReleaseContext) -> None:
        ui = _ui_package(ctx)
        assert ui is not None
        run_npm([npm_executable(), *args], ui, _runner(ctx))

    return Step(" ".join(["npm", *args[:2]]), npm, name=name)


npm_build = _npm_step("npm_build", ("run", "build"))


# -- the release library -----------------------------------------------------------------

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
    ui = _ui_package(ctx) or ctx.project.ui
    ctx.editor, why_not = editor.prepare(
        ctx.project.manifest, ui / "dist" if ui is not None else None,
        ctx.project.root / ".wavecraft" / "editor-ui.bin", _runner(ctx),
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


# -- bundles, wheel, manifest ----------------------------------------------------------


def _preset_notes(ctx: ReleaseContext) -> None:
    """One note when presets leave out ids added since the last release (defaults)."""
    assert ctx.result is not None
    added = set(lock.new_ids(ctx.project, ctx.result))
    missing = {pid: names for pid, names in presets.missing_ids(ctx.presets, ctx.result).items()
               if pid in added}
    if missing:
        users = sorted({name for names in missing.values() for name in names})
        ctx.notes.append(
            f"warning: preset(s) {', '.join(map(repr, users[:6]))} leave out the new "
            f"parameter id(s) {', '.join(missing)}: hosts load them with the default value")


@step("presets")
def stage_presets(ctx: ReleaseContext) -> None:
    """The presets as files for the VST3 class and CLAP id this very library registers."""
    assert ctx.result is not None
    _preset_notes(ctx)
    if not ctx.presets or not targets.runs_here(ctx.options.target):
        return  # another machine's library cannot be asked for its ids here
    ident = preset_files.host_identity(ctx.bundle_build.artifact)
    clap_entry = f"{ctx.identity.name}.clap"  # bundle.layout's name on every platform
    made = {"VST3": preset_files.vst3_bundle(ctx.presets, ctx.result, ident),
            "CLAP": preset_files.clap_bundle(ctx.presets, ctx.result, ident, clap_entry)}
    ctx.preset_bundles = tuple(b for b in made.values() if b is not None)
    for fmt in (fmt for fmt, made_one in made.items() if made_one is None):
        ctx.notes.append(f"warning: the release library has no {fmt} entry point: no "
                         f"{fmt} preset files")


@step("bundle")
def stage_bundles(ctx: ReleaseContext) -> None:
    out = ctx.out_dir
    if out.exists() and not out.is_dir():
        raise ReleaseError("the output path is a file, not a folder", path=out,
                           hint="remove it or pass another --out")
    # A cross build ships the target's layout (a Windows .vst3 built on Linux is laid out
    # for Windows); without --target, this machine's (or the --platform asked for).
    plat, machine = targets.layout_of(ctx.options.target)
    vst3, clap = bundle.layout(
        ctx.identity.name, ctx.bundle_build.artifact,
        platform_name=plat or ctx.options.platform_name, machine=machine,
        identifier=ctx.identity.identifier, version=ctx.identity.version,
    )
    ctx.entries = {"vst3": out / vst3.entry, "clap": out / clap.entry}
    bundles = (vst3, clap, *ctx.preset_bundles)
    if not ctx.options.wheel:
        planned = manifest.planned_files(bundles, ctx.param_cache())
        if manifest.already_published(out, planned):
            # Same bytes already in place: touch nothing (hosts and watchers see no change).
            ctx.files = {rel: sha for rel, (sha, _size) in planned.items()}
            return
    bundle.remove_leftovers(out)
    ctx.staging = bundle.staging_dir(out)
    ctx.files = bundle.stage(bundles, ctx.staging, epoch=manifest.source_date_epoch())


@step("maturin build (Python wheel)")
def build_wheel(ctx: ReleaseContext) -> None:
    # Imported here: the wheel module pulls in numpy (its DSP host), which `build`, `dev`
    # and a release without a wheel never need.
    from wavecraft_build.release import wheel

    assert ctx.staging is not None and ctx.result is not None
    ident = ctx.identity
    project = wheel.WheelProject(
        crate=ident.crate, name=ident.name, lib_name=ident.lib_name, version=ident.version,
        manifest=ctx.project.manifest, parameters=ctx.result.parameters,
        features=ctx.release_features,
        target="universal2-apple-darwin" if ctx.options.universal else ctx.options.target,
        presets=tuple({"name": p.name, "category": p.category,
                       "values": presets.resolve(p, ctx.result)} for p in ctx.presets),
    )
    staging = ctx.staging

    # maturin runs cargo itself: the same compiler cache and the same fallbacks as cargo.
    def attempt(env: dict[str, str] | None, cancel: threading.Event | None) -> Path:
        return wheel.build_wheel(
            project, target_dir=ctx.cargo_target_dir, dest_dir=staging, run=_runner(ctx, cancel),
            epoch=manifest.source_date_epoch(), env=env,
        )

    cache = compiler_cache.prepare(ctx.project.compiler_cache)
    staged = compiler_cache.run_with_fallback(cache, ctx.cancel, attempt, what="maturin's build")
    ctx.wheel = ctx.out_dir / staged.name


@step("manifest")
def write_manifest(ctx: ReleaseContext) -> None:
    if ctx.wheel is not None and ctx.staging is not None:
        ctx.files[ctx.wheel.name] = bundle.hash_file(ctx.staging / ctx.wheel.name)
    ctx.files = dict(sorted(ctx.files.items()))
    git = ctx.git.result() if ctx.git is not None else git_info(ctx.project.root)
    data = manifest.manifest_data(ctx, git)
    folder = ctx.staging or ctx.out_dir  # no staging: the bundles were already in place
    path = folder / MANIFEST_NAME
    if write_atomic(path, json.dumps(data, indent=2) + "\n"):
        epoch = manifest.source_date_epoch()
        os.utime(path, (epoch, epoch))
        os.utime(folder, (epoch, epoch))


@step("publish")
def publish(ctx: ReleaseContext) -> None:
    """Swap the staged folder in as the output folder: all or nothing."""
    if ctx.staging is None:
        return  # unchanged bundles were left in place
    bundle.swap_into(ctx.staging, ctx.out_dir)
    ctx.staging = None


@step("")
def write_lock(ctx: ReleaseContext) -> None:
    """Record the released parameters in the project's lock file (added ids, accepted
    changes); unchanged content leaves the file untouched."""
    assert ctx.released is not None
    lock.write(ctx.project, ctx.released)


@step("install")
def install(ctx: ReleaseContext) -> None:
    folders = bundle.install_dirs(ctx.options.platform_name, ctx.options.home)
    for fmt, entry in ctx.entries.items():
        try:
            ctx.installed.append(bundle.install_entry(entry, folders[fmt]))
        except OSError as exc:
            raise ReleaseError(
                f"could not install the {fmt.upper()} bundle: {exc.strerror or exc}",
                path=folders[fmt] / entry.name,
                hint="check that the folder is writable; the bundles in "
                f"{ctx.out_dir} are complete and can be copied by hand",
            ) from None
    for extra in ctx.preset_bundles:
        source = ctx.out_dir / extra.entry
        # VST3: <vendor>/<plugin> into the user preset root the spec names (~/.vst3/presets);
        # CLAP: the presets folder beside the installed .clap.
        target = (folders["vst3"] / "presets" / source.parent.name
                  if extra.format == "vst3-presets" else folders["clap"])
        ctx.installed.append(bundle.install_entry(source, target))


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
    ui = _ui_package(ctx)
    if ui is not None:
        args = npm_install_args(ui)
        if args is not None:
            plan.append(_npm_step("npm_install", args))
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
