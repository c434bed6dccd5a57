"""The commands behind the CLI: each takes the parsed arguments and returns an exit code.

``cli`` parses; this module does: every command is a few lines over ``pipeline``,
``extract``, ``scaffold``, ``dev``, ``release`` or ``doctor``, and raises
``WavecraftError`` for user errors (``cli.main`` prints them). Start-up time is part of
every command, so each one imports what it uses, inside the function.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from wavecraft_build.compiler_cache import Prepared
    from wavecraft_build.engine.supervisor import EngineOptions

__all__ = [
    "build", "codegen", "dev", "doctor", "extract", "new", "release", "report", "test",
    "validate",
]



def _compiler_cache_start(mode: str) -> Prepared:
    """The compiler cache's counters before a command's cargo runs."""
    from wavecraft_build import compiler_cache

    return compiler_cache.prepare(mode)


def _compiler_cache_summary(start: Prepared) -> None:
    """One line on stderr: the compiler cache's hits and misses during the command."""
    from wavecraft_build import compiler_cache

    cache_run = compiler_cache.finish(start)
    if cache_run is not None:
        print(f"wavecraft-build: {cache_run.summary()}", file=sys.stderr)


def extract(args: argparse.Namespace) -> int:
    args.path = args.path or "."  # "" is the current folder, as Path("") is
    if not os.path.isdir(args.path):  # noqa: PTH112 - a library needs no pathlib
        return _extract_library(args.path, args)
    from pathlib import Path

    from wavecraft_build._output import print_result
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import Context, cargo_build, extract_cached, run
    from wavecraft_build.progress import reporting

    # A crate or project: the build pipeline's first two steps, no codegen or state.
    project = load_project(Path(args.path), timeout=args.timeout)
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        ctx = Context(project=project, use_cache=not args.no_cache, reporter=reporter,
                      child=args.child)
        result = run(ctx, (cargo_build, extract_cached)).result
    assert result is not None
    print_result(result, args.json)
    return 0


def _extract_library(lib: str, args: argparse.Namespace) -> int:
    """A library built elsewhere: its features are unknown, so not in the key.

    ``cli.main`` starts the extraction child before it parses, so that its interpreter
    starts up meanwhile (unused on a hit); ``--json``
    prints the checked dicts as they are (``tests/test_startup.py``: the same bytes as the
    classes' ``printed_json``).
    """
    from wavecraft_build._output import json_text
    from wavecraft_build.cache import (
        LIBRARY_TARGET,
        ParamCache,
        cache_root,
        cached_printout,
        discover_canonical,
    )
    from wavecraft_build.extract import DEFAULT_TIMEOUT, Child, require_library

    require_library(lib)
    known = not args.no_cache and cached_printout(lib) is not None
    child = None if known else args.child or Child()
    try:
        (parameters, processors), _hit = discover_canonical(
            lib,
            features=(),
            target=LIBRARY_TARGET,
            timeout=args.timeout or DEFAULT_TIMEOUT,
            cache=None if args.no_cache else ParamCache(cache_root()),
            child=child,
        )
        if args.json:  # the checked dicts as they are: the metadata classes cost ~7 ms more
            sys.stdout.write(json_text(parameters))
        else:
            from wavecraft_build._output import format_table
            from wavecraft_build.metadata import from_canonical

            print(format_table(from_canonical(parameters, processors)))
    finally:
        if child is not None:
            child.discard()  # unused after a hit; a no-op once run
    return 0


def build(args: argparse.Namespace) -> int:
    from wavecraft_build._output import print_result
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import BUILD_STEPS, Context, run
    from wavecraft_build.progress import reporting

    project = load_project(args.project, timeout=args.timeout)
    cache_start = _compiler_cache_start(project.compiler_cache)
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        ctx = run(
            Context(
                project=project,
                release=args.release,
                use_cache=not args.no_cache,
                reporter=reporter,
            ),
            BUILD_STEPS,
        )
    assert ctx.build is not None and ctx.result is not None
    print_result(ctx.result, args.json)
    if not (args.quiet or args.json):
        source = "from cache" if ctx.cache_hit else "extracted"
        print(f"library: {ctx.build.artifact} (parameters {source})", file=sys.stderr)
    if not args.quiet:
        _compiler_cache_summary(cache_start)
    return 0


def codegen(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.errors import NotBuilt
    from wavecraft_build.pipeline import Context, codegen, load_state

    project = load_project(args.project)
    result = load_state(project)
    if result is None:
        raise NotBuilt(
            "no extracted parameters yet",
            path=project.state_dir / "params.json",
            hint="run `wavecraft-build build` first",
        )
    ctx = Context(project=project, result=result)
    codegen(ctx)
    assert ctx.codegen_report is not None
    print("\n".join(ctx.codegen_report.lines()))
    return 0


def new(args: argparse.Namespace) -> int:
    from wavecraft_build.scaffold import DEFAULT_VENDOR, ScaffoldOptions, scaffold

    vendor = DEFAULT_VENDOR if args.vendor is None else args.vendor
    result = scaffold(
        ScaffoldOptions(
            args.name, args.directory, vendor, args.email, args.url, args.git, args.force,
            ci=args.ci,
        )
    )
    print(f"Created {result.project_dir} ({len(result.written)} files)")
    for path in result.left_alone:
        print(f"  left alone (already there): {path}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print("Next:")
    for command in result.next_commands:
        print(f"  {command}")
    return 0


def release(args: argparse.Namespace) -> int:
    import json

    from wavecraft_build.config import load_project
    from wavecraft_build.progress import reporting
    from wavecraft_build.release import ReleaseOptions, release

    project = load_project(args.project)
    cache_start = _compiler_cache_start(project.compiler_cache)
    options = ReleaseOptions(
        install=args.install or args.dev_editor is not None,
        ui=not args.no_ui,
        wheel=not args.no_wheel and args.dev_editor is None,
        editor=not args.no_editor,
        dev_editor=args.dev_editor,
        use_cache=not args.no_cache,
        out_dir=args.out.resolve() if args.out else None,
        accept_param_changes=args.accept_param_changes,
        skip_tests=args.skip_tests,
        target=args.target,
        universal=args.universal,
        tag=args.tag,
    )
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        report = release(project, options, reporter)
    for warning in report.warnings:
        print(warning, file=sys.stderr)
    if args.json and not args.validate:
        print(json.dumps(report.to_json(), indent=2))
    elif not args.json:
        print("\n".join(report.lines()))
    if not args.quiet:
        _compiler_cache_summary(cache_start)
    if args.validate:
        return _validate(report.out_dir, args, report.to_json() if args.json else None)
    return 0


def _validate(out_dir: Path, args: argparse.Namespace, release: dict[str, object] | None) -> int:
    """Run the validators on the bundles in ``out_dir``, print the table (or JSON)."""
    import json

    from wavecraft_build.release import validate

    runs = validate.run_validators(validate.bundles_of(out_dir), timeout=args.validator_timeout)
    if args.json:
        data = {"out_dir": str(out_dir), "validators": [r.to_json() for r in runs]}
        print(json.dumps({"release": release, **data} if release else data, indent=2))
    else:
        print(validate.format_table(runs))
    validate.require_passed(runs, out_dir)
    return 0


def validate(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.release.validate import default_out_dir

    out = args.out.resolve() if args.out else default_out_dir(load_project(args.project))
    return _validate(out, args, None)


def test(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.errors import ProjectTestsFailed
    from wavecraft_build.pipeline import BUILD_STEPS, Context, run
    from wavecraft_build.progress import reporting
    from wavecraft_build.project_tests import run_project_tests, summary_table

    project = load_project(args.project, timeout=args.timeout)
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        ctx = run(Context(project=project, reporter=reporter), BUILD_STEPS)
    assert ctx.build is not None
    extra = ["--update-golden"] if args.update_golden else []
    result = run_project_tests(project, ctx.build.artifact, [*extra, *args.pytest_args])
    print(summary_table(result))
    if not result.ok:
        raise ProjectTestsFailed(
            f"the project's tests failed ({result.total.failed} failed, pytest exit "
            f"{result.returncode})", path=result.junit,
            hint="see the failures above; golden differences are plotted in build/test-results")
    return 0


def report(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import BUILD_STEPS, Context, run
    from wavecraft_build.progress import reporting
    from wavecraft_build.project_tests import JUNIT_NAME, require_testing_tools

    project = load_project(args.project, timeout=args.timeout)
    require_testing_tools()
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        ctx = run(Context(project=project, reporter=reporter), BUILD_STEPS)
    assert ctx.build is not None and ctx.result is not None
    from wavecraft_build.testing.render import Plugin
    from wavecraft_build.testing.report import ReportInputs, write_report

    out = (args.out or project.root / "build" / "report.html").resolve()
    write_report(ReportInputs(Plugin.load(ctx.build.artifact, ctx.result), project.root.name,
                              junit=project.state_dir / "test" / JUNIT_NAME,
                              results_dir=project.root / "build" / "test-results"), out)
    print(f"report: {out}")
    return 0


def doctor(args: argparse.Namespace) -> int:
    from wavecraft_build.doctor import format_report, run_checks
    from wavecraft_build.errors import ToolMissing

    results = run_checks()
    print(format_report(results))
    return ToolMissing.exit_code if any(r.required and not r.ok for r in results) else 0


def dev(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.dev import DevOptions, run_dev

    project = load_project(args.project, timeout=args.timeout)
    options = DevOptions(ui=not args.no_ui, json=args.json, verbose=args.verbose,
                         engine=_engine_options(args, project.dev_port), test=args.test)
    return run_dev(project, options)


def _engine_options(args: argparse.Namespace, config_port: int) -> EngineOptions | None:
    from wavecraft_build.engine.supervisor import EngineOptions

    if args.no_engine:
        return None
    if args.input not in ("sine", "pink", "sweep", "silence"):
        from wavecraft_build.engine.sources import make_source

        make_source(args.input, args.sample_rate)  # a bad file is one line, before anything
        from pathlib import Path

        args.input = str(Path(args.input).resolve())
    return EngineOptions(port=args.port or config_port, sample_rate=args.sample_rate,
                         block_size=args.block_size, input=args.input, audio_out=args.audio_out)
