"""The release steps that stop a release before its long builds: the tag's version, the
tools it needs, the parameter lock (ids promised to hosts) and the project's own tests."""

from __future__ import annotations

import importlib.util

from wavecraft_build import cargo, presets
from wavecraft_build.errors import ProjectTestsFailed, ToolMissing
from wavecraft_build.release import identity, lock, targets
from wavecraft_build.release._steps_shared import ui_package
from wavecraft_build.release.context import ReleaseContext
from wavecraft_build.release.tools import maturin_argv, npm_executable
from wavecraft_build.steps import step

__all__ = ["check_lock", "check_tag", "check_tools", "project_tests"]


@step("check tools")
def check_tools(ctx: ReleaseContext) -> None:
    """Fail before any long build when a needed tool is missing."""
    cargo.cargo_executable()
    # A cross target without its std fails here in one line, not after the discovery build.
    for triple in targets.plan(ctx.options.target, ctx.options.universal):
        if triple is not None:
            targets.check(triple)
    if ui_package(ctx) is not None:
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
