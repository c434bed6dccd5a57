"""The commands behind the CLI: each takes the parsed arguments and returns an exit code.

``cli`` parses; this module does: every command is a few lines over ``pipeline``,
``extract``, ``scaffold``, ``dev``, ``release`` or ``doctor``, and raises
``WavecraftError`` for user errors (``cli.main`` prints them). Start-up time is part of
every command, so each one imports what it uses, inside the function.
"""

from __future__ import annotations

import sys

from wavecraft_build import _fastpath

TYPE_CHECKING = False  # typing's own constant costs an import on every start-up
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from wavecraft_build.compiler_cache import Prepared
    from wavecraft_build.engine.supervisor import EngineOptions
    from wavecraft_build.extract import Child

__all__ = [
    "build", "codegen", "dev", "doctor", "extract", "extract_json", "new", "release", "validate",
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
    if not args.path.is_dir():
        if args.json:
            return extract_json(str(args.path), no_cache=args.no_cache, timeout=args.timeout)
        return _extract_library(args)
    from wavecraft_build._output import print_result
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import Context, cargo_build, extract_cached, run
    from wavecraft_build.progress import reporting

    # A crate or project: the build pipeline's first two steps, no codegen or state.
    project = load_project(args.path, timeout=args.timeout)
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        ctx = Context(project=project, use_cache=not args.no_cache, reporter=reporter)
        result = run(ctx, (cargo_build, extract_cached)).result
    assert result is not None
    print_result(result, args.json)
    return 0


def extract_json(lib: str, *, no_cache: bool, timeout: float | None,
                 cache_checked: bool = False) -> int:
    """``extract --json LIB`` for a built library; ``cli.main`` calls it without argparse.

    The extraction child starts before anything else is imported, so its interpreter
    starts up while this process imports the rest, and the checked canonical dicts are
    printed as they are: neither argparse nor ``dataclasses`` nor ``pathlib`` loads
    (``tests/test_startup.py``). The cache is read through unless ``no_cache``;
    ``cache_checked`` says the caller already looked for a hit (``_fastpath.print_cached``).
    """
    if not (no_cache or cache_checked) and _fastpath.print_cached(lib):
        return 0
    from wavecraft_build.extract import DEFAULT_TIMEOUT, Child, require_library

    require_library(lib)
    child = Child()
    try:
        text = _extract_text(lib, child, no_cache=no_cache, timeout=timeout or DEFAULT_TIMEOUT)
    finally:
        child.discard()  # a no-op once run; unused after a hit or an error before the run
    sys.stdout.buffer.write(text)
    return 0


def _extract_text(lib: str, child: Child, *, no_cache: bool, timeout: float) -> bytes:
    """What ``extract --json`` prints for ``lib``, extracted by the pre-started ``child``.

    The canonical dicts go straight to the printout and the cache (``discover`` would
    build the metadata classes only to turn them back into the same dicts).
    """
    from wavecraft_build._output import json_text
    from wavecraft_build.extract import decode_canonical, run_child

    if no_cache:
        parameters, _ = decode_canonical(run_child(lib, timeout=timeout, child=child), lib)
        return json_text(parameters).encode()
    from wavecraft_build.cache import ParamCache

    cache = ParamCache(_fastpath.cache_root())
    key = cache.key(lib, features=(), target=_fastpath.host_triple())
    known = cache.printed(key)  # same bytes under another name, or a stat record lost
    if known is not None:
        return known
    parameters, processors = decode_canonical(run_child(lib, timeout=timeout, child=child), lib)
    cache.put_canonical(key, parameters, processors)
    return json_text(parameters).encode()


def _extract_library(args: argparse.Namespace) -> int:
    """The table of a library built elsewhere: its features are unknown, so not in the key.

    When the cache cannot answer, the extraction child starts first, so that its
    interpreter starts up while this process imports the rest of the pipeline.
    """
    from wavecraft_build._output import print_result
    from wavecraft_build.extract import DEFAULT_TIMEOUT, Child

    known = not args.no_cache and _fastpath.cached_printout(str(args.path)) is not None
    child = None if known or not args.path.is_file() else Child()
    try:
        from wavecraft_build.cache import ParamCache, default_cache_dir, discover

        result, _hit = discover(
            args.path,
            features=(),
            target=_fastpath.host_triple(),
            timeout=args.timeout or DEFAULT_TIMEOUT,
            cache=None if args.no_cache else ParamCache(default_cache_dir()),
            child=child,
        )
    finally:
        if child is not None:
            child.discard()  # unused after a hit; a no-op once run
    print_result(result, as_json=False)
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
        install=args.install,
        ui=not args.no_ui,
        wheel=not args.no_wheel,
        fresh_discovery=args.fresh_discovery,
        use_cache=not args.no_cache,
        out_dir=args.out.resolve() if args.out else None,
        accept_param_changes=args.accept_param_changes,
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
                         engine=_engine_options(args, project.dev_port))
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
