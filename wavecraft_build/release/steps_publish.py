"""The release steps that publish: preset files, the staged bundles, the Python wheel, the
manifest, the one-rename swap into the output folder, the lock file and ``--install``."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from wavecraft_build import compiler_cache, presets
from wavecraft_build._fs import write_atomic
from wavecraft_build.errors import ReleaseError
from wavecraft_build.release import bundle, lock, manifest, preset_files, targets
from wavecraft_build.release._steps_shared import tool_runner
from wavecraft_build.release.context import MANIFEST_NAME, ReleaseContext
from wavecraft_build.release.tools import git_info
from wavecraft_build.steps import step

__all__ = ["build_wheel", "install", "publish", "stage_bundles", "stage_presets",
           "write_lock", "write_manifest"]


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
            project, target_dir=ctx.cargo_target_dir, dest_dir=staging,
            run=tool_runner(ctx, cancel), epoch=manifest.source_date_epoch(), env=env,
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
