"""Release: VST3 and CLAP bundles, a manifest, a Python wheel, a parameter lock, an install.

``release()`` runs the steps of ``release.steps`` over one ``ReleaseContext`` with the
same runner as ``build`` and ``dev`` (``wavecraft_build.steps.run``). The package:

* ``context``  - ``ReleaseOptions``, ``ReleaseContext`` (the pipeline's context extended),
  ``ReleaseReport``;
* ``steps``    - the steps, one job each, and the plan the options select;
* ``identity`` - bundle name, version and bundle id, from the project config;
* ``bundle``   - bundle layouts per platform, deterministic staging, atomic swaps;
* ``manifest`` - ``manifest.json`` and the "bundles unchanged" check;
* ``wheel``    - the maturin (cffi) project and build of the Python wheel;
* ``lock``     - ``wavecraft.lock.json``: released parameter ids later releases keep;
* ``validate`` - run clap-validator / the VST3 validator on the released bundles;
* ``tools``    - finding and running npm, maturin and git.

The output folder is ``<target>/bundled``, where ``<target>`` is the folder cargo built
into (taken from cargo's artifact message: ``CARGO_TARGET_DIR``, workspaces and
``build.target-dir`` work without running ``cargo metadata``). Nothing here prints;
progress goes to the ``Reporter`` passed in.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from wavecraft_build.config import ProjectConfig
from wavecraft_build.release.context import (
    MANIFEST_NAME,
    ReleaseContext,
    ReleaseOptions,
    ReleaseReport,
)
from wavecraft_build.release.identity import PluginIdentity, plugin_identity
from wavecraft_build.release.steps import release_steps
from wavecraft_build.release.tools import git_info
from wavecraft_build.steps import Reporter, SilentReporter, Step, run

__all__ = [
    "MANIFEST_NAME",
    "PluginIdentity",
    "ReleaseContext",
    "ReleaseOptions",
    "ReleaseReport",
    "plugin_identity",
    "release",
]


def release(
    project: ProjectConfig,
    options: ReleaseOptions | None = None,
    reporter: Reporter | None = None,
    *,
    cancel: threading.Event | None = None,
    steps: Sequence[Step[ReleaseContext]] | None = None,
) -> ReleaseReport:
    """Build and publish the release of ``project`` (``steps``: default ``release_steps``).

    Raises a ``WavecraftError`` (``ToolMissing``, ``BuildFailed``, ``ReleaseError``...) with
    the previous bundles left untouched, or ``Cancelled`` when ``cancel`` is set.
    """
    options = options or ReleaseOptions()
    ctx = ReleaseContext(
        project=project, options=options, identity=plugin_identity(project),
        reporter=reporter or SilentReporter(), cancel=cancel, use_cache=options.use_cache,
        # Without the UI build a stub that places a removed id breaks nothing shipped: a
        # warning (the report's ``warnings``), as in `dev`; with it, npm would fail later.
        stale_stubs="error" if options.ui else "note",
    )
    pool = ThreadPoolExecutor(max_workers=1)
    ctx.git = pool.submit(git_info, project.root)
    try:
        run(ctx, release_steps(ctx) if steps is None else steps)
    finally:
        pool.shutdown(wait=True)
        if ctx.staging is not None:
            shutil.rmtree(ctx.staging, ignore_errors=True)
    assert ctx.released is not None and ctx.build is not None
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
        discovery_rebuilt=not ctx.build.fresh,
        timings=ctx.timings,
        warnings=(
            *(ctx.codegen_report.notes if ctx.codegen_report is not None else ()),
            *((ctx.editor_note,) if ctx.editor_note else ()),
        ),
    )
