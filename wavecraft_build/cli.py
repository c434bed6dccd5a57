"""Command-line front end: parse options, call the pipeline, print, map errors to exit codes.

Thin on purpose: every command is a few lines over ``pipeline``, ``extract``, ``scaffold``,
``dev`` or ``release``, and the same functions back the nox sessions. User errors
(``WavecraftError``) print one or two lines and exit with their documented code; Ctrl-C
exits 130 after the child processes are gone.

Start-up time is part of every command, so this module imports almost nothing at the top:
``extract --json LIB`` on a cache hit is answered by ``_fastpath`` before argparse loads,
and each command imports what it uses.
"""

from __future__ import annotations

import sys

from wavecraft_build import _fastpath

TYPE_CHECKING = False  # typing's own constant costs an import on every start-up
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from pathlib import Path

__all__ = ["build_parser", "main"]


def _positive_float(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be > 0 and <= 3600 seconds")
    return value


# -- commands -------------------------------------------------------------------------


def _cmd_extract(args: argparse.Namespace) -> int:
    if not args.path.is_dir():
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


def _extract_library(args: argparse.Namespace) -> int:
    """A library built elsewhere: its features are unknown, so they are not in the key.

    When the cache cannot answer, the extraction child starts first, so that its
    interpreter starts up while this process imports the rest of the pipeline.
    """
    from wavecraft_build._output import print_result
    from wavecraft_build.extract import DEFAULT_TIMEOUT, Child

    known = not args.no_cache and _fastpath.cached_printout(str(args.path)) is not None
    child = None if known or not args.path.is_file() else Child()
    try:
        from wavecraft_build.cache import ParamCache, default_cache_dir
        from wavecraft_build.pipeline import discover

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
    print_result(result, args.json)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from wavecraft_build._output import print_result
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import Context, run
    from wavecraft_build.progress import reporting

    project = load_project(args.project, timeout=args.timeout)
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        ctx = run(
            Context(
                project=project,
                release=args.release,
                use_cache=not args.no_cache,
                reporter=reporter,
            )
        )
    assert ctx.build is not None and ctx.result is not None
    print_result(ctx.result, args.json)
    if not (args.quiet or args.json):
        source = "from cache" if ctx.cache_hit else "extracted"
        print(f"library: {ctx.build.artifact} (parameters {source})", file=sys.stderr)
    return 0


def _cmd_codegen(args: argparse.Namespace) -> int:
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
    print("\n".join(ctx.codegen_report.lines()))
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from wavecraft_build.scaffold import DEFAULT_VENDOR, ScaffoldOptions, scaffold

    vendor = DEFAULT_VENDOR if args.vendor is None else args.vendor
    result = scaffold(
        ScaffoldOptions(
            args.name, args.directory, vendor, args.email, args.url, args.git, args.force
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


def _cmd_release(args: argparse.Namespace) -> int:
    import json

    from wavecraft_build.config import load_project
    from wavecraft_build.progress import reporting
    from wavecraft_build.release import ReleaseOptions, release

    project = load_project(args.project)
    options = ReleaseOptions(
        install=args.install,
        ui=not args.no_ui,
        wheel=not args.no_wheel,
        fresh_discovery=args.fresh_discovery,
        use_cache=not args.no_cache,
        out_dir=args.out.resolve() if args.out else None,
    )
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        report = release(project, options, reporter)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print("\n".join(report.lines()))
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from wavecraft_build.doctor import format_report, run_checks
    from wavecraft_build.errors import ToolMissing

    results = run_checks()
    print(format_report(results))
    return ToolMissing.exit_code if any(r.required and not r.ok for r in results) else 0


def _cmd_dev(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.dev import DevOptions, run_dev

    project = load_project(args.project, timeout=args.timeout)
    options = DevOptions(ui=not args.no_ui, json=args.json, verbose=args.verbose)
    return run_dev(project, options)


# -- parser ---------------------------------------------------------------------------
# Flags several commands share are declared once, in parent parsers (argparse ``parents``).


def _path(text: str) -> Path:
    from pathlib import Path  # at parse time: `--help` never needs pathlib

    return Path(text)


def _shared_flags() -> dict[str, argparse.ArgumentParser]:
    import argparse

    def parent() -> argparse.ArgumentParser:
        return argparse.ArgumentParser(add_help=False)

    project, output, timeout, cache, as_json = (parent() for _ in range(5))
    project.add_argument(
        "--project",
        type=_path,
        default=".",
        metavar="DIR",
        help="plugin project folder (default: the current folder)",
    )
    group = output.add_mutually_exclusive_group()
    group.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    group.add_argument("--verbose", "-v", action="store_true", help="show cargo's full output")
    timeout.add_argument(
        "--timeout",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help="kill a parameter extraction after this long (default: [tool.wavecraft] "
        "extract-timeout, else 30)",
    )
    cache.add_argument("--no-cache", action="store_true", help="always run the extraction child")
    as_json.add_argument("--json", action="store_true", help="print JSON instead of text")
    return {"project": project, "output": output, "timeout": timeout, "cache": cache,
            "json": as_json}


def _args_new(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "name",
        metavar="NAME",
        help="plugin name: letters, digits, '-' and '_', starting with a letter, at most 64 "
        "characters, not a Rust keyword (e.g. my-synth)",
    )
    p.add_argument(
        "--dir",
        dest="directory",
        type=_path,
        default=None,
        metavar="DIR",
        help="project folder to create (default: ./NAME); must be empty unless --force",
    )
    p.add_argument(
        "--vendor",
        default=None,  # scaffold's DEFAULT_VENDOR; importing scaffold would slow --help down
        metavar="V",
        help="vendor shown by hosts, also used in the CLAP id (default: Wavecraft)",
    )
    p.add_argument("--email", default="", metavar="E", help="support e-mail shown by hosts")
    p.add_argument("--url", default="", metavar="U", help="plugin website, http(s)://...")
    p.add_argument(
        "--no-git", dest="git", action="store_false", help="skip git init and the first commit"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="fill a non-empty folder: add missing files, never overwrite existing ones",
    )


def _args_extract(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        type=_path,
        nargs="?",
        default=".",
        metavar="PATH",
        help="a built library, or a crate/project folder (default: the current folder)",
    )


def _args_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--release", action="store_true", help="build the release profile")


def _args_release(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--install",
        action="store_true",
        help="also copy the bundles to the user's VST3/CLAP folders (~/.vst3, ~/.clap on "
        "Linux), replacing only same-named bundles",
    )
    p.add_argument("--no-ui", action="store_true", help="skip the npm UI build")
    p.add_argument("--no-wheel", action="store_true", help="skip the Python wheel")
    p.add_argument(
        "--fresh-discovery",
        action="store_true",
        help="always rebuild and extract the discovery library (default: reuse the "
        "parameters the last build recorded, rebuilt if they disagree)",
    )
    p.add_argument(
        "--out",
        type=_path,
        default=None,
        metavar="DIR",
        help="output folder (default: <cargo target dir>/bundled)",
    )


def _args_dev(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-ui", action="store_true", help="do not start `npm run dev` in ui/")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON event per line (also: WAVECRAFT_DEV_JSON=1)",
    )
    p.add_argument("--verbose", action="store_true", help="show cargo's full output")


def _no_args(p: argparse.ArgumentParser) -> None:
    pass


# name, help, description, shared flags, own arguments, command.
_COMMANDS = (
    ("new", "create a plugin project from the template",
     "Create a plugin project: Rust engine (VST3 + CLAP via nice-plug), Vite + React UI, "
     "noxfile. Nothing is written if NAME or an option is invalid.",
     (), _args_new, _cmd_new),
    ("extract", "print the parameters of a built plugin library (or of a crate, built first)",
     "Load PATH in an isolated child interpreter and print its parameters. PATH is a built "
     "cdylib (.so/.dylib/.dll) or a crate/project folder, which is built with --features "
     "_param-discovery first.",
     ("json", "cache", "timeout", "output"), _args_extract, _cmd_extract),
    ("build", "discovery build + extraction + cache + codegen",
     "Run `cargo build --lib --features _param-discovery`, extract and validate the "
     "parameters (cached by content), and regenerate the bindings.",
     ("project", "cache", "json", "timeout", "output"), _args_build, _cmd_build),
    ("codegen", "regenerate bindings from the last extracted parameters",
     "Write ui/src/generated/*.ts, UI stubs (once) and the Python parameter module from the "
     "parameters the last successful build extracted.",
     ("project",), _no_args, _cmd_codegen),
    ("release", "release VST3 + CLAP bundles, manifest and Python wheel into target/bundled/",
     "Build the UI (npm ci + npm run build), `cargo build --release`, check its parameters "
     "against the discovery extraction, and publish NAME.vst3, NAME.clap, the Python wheel "
     "and manifest.json to <target>/bundled/ in one atomic swap (a failure keeps the "
     "previous bundles).",
     ("project", "cache", "json", "output"), _args_release, _cmd_release),
    ("doctor", "check Python, Rust, nice-plug, Node/npm and the cache; say what to install",
     "Check everything the workflow needs and print the fix for each gap.",
     (), _no_args, _cmd_doctor),
    ("dev", "watch the engine, rebuild, extract and regenerate on every change",
     "Hot-reload loop: watch engine/ (*.rs, Cargo.toml, Cargo.lock, build.rs), run the "
     "discovery build on change (cancelling a build that is still running), extract the "
     "parameters and regenerate the bindings. Failures keep the last good state. Ctrl-C "
     "exits with 130.",
     ("project", "timeout"), _args_dev, _cmd_dev),
)


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from wavecraft_build import __version__
    from wavecraft_build.errors import EXIT_CODES_HELP

    parser = argparse.ArgumentParser(
        prog="wavecraft-build",
        description="Build Rust audio plugins: scaffold, extract parameters in an isolated "
        "process, generate TypeScript/React/Python bindings, hot-reload and release bundles.",
        epilog=f"exit codes:\n{EXIT_CODES_HELP}\n\n"
        "Run `wavecraft-build COMMAND --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared = _shared_flags()
    for name, summary, description, flags, add_args, func in _COMMANDS:
        p = sub.add_parser(
            name,
            help=summary,
            description=description,
            parents=[shared[flag] for flag in flags],
        )
        add_args(p)
        p.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    fast = _fastpath.try_extract_json(args_list)
    if fast is not None:
        return fast
    args = build_parser().parse_args(args_list)
    from wavecraft_build.errors import Interrupted, WavecraftError

    try:
        code: int = args.func(args)
        return code
    except KeyboardInterrupt:
        print(Interrupted("interrupted; child processes were stopped").render(), file=sys.stderr)
        return Interrupted.exit_code
    except WavecraftError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
