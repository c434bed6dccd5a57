"""Command-line front end: parse options, call the pipeline, print, map errors to exit codes.

Thin on purpose: every command is a few lines over ``pipeline``, ``extract``, ``scaffold``,
``dev`` or ``release``, and the same functions back the nox sessions. User errors
(``WavecraftError``) print one or two lines and exit with their documented code; Ctrl-C
exits 130 after the child processes are gone.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wavecraft_build import __version__
from wavecraft_build.errors import EXIT_CODES_HELP, Interrupted, WavecraftError
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.progress import reporting

if TYPE_CHECKING:
    from wavecraft_build.compiler_cache import Prepared

__all__ = ["main"]

_EPILOG = f"""\
exit codes:
{EXIT_CODES_HELP}

Run `wavecraft-build COMMAND --help` for a command's options."""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be > 0 and <= 3600 seconds")
    return value


def _format_number(value: float) -> str:
    return f"{value:g}"


def format_table(result: ExtractionResult) -> str:
    """A readable, aligned table of parameters (plain text, no terminal codes)."""
    head = ("id", "name", "type", "range", "default", "unit", "group")
    rows = [head]
    for p in result.parameters:
        if p.type == "enum" and p.variants:
            rng = " | ".join(p.variants)
            default = p.variants[int(p.default)]
        elif p.type == "bool":
            rng, default = "off/on", "on" if p.default else "off"
        else:
            rng = f"{_format_number(p.min)} .. {_format_number(p.max)}"
            default = _format_number(p.default)
        rows.append((p.id, p.name, p.type, rng, default, p.unit or "", p.group or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    procs = ", ".join(p.id for p in result.processors)
    footer = f"{len(result.parameters)} parameters" + (f"; processors: {procs}" if procs else "")
    return "\n".join([*lines, footer])


def _print_result(result: ExtractionResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps([p.to_json() for p in result.parameters], indent=2))
    else:
        print(format_table(result))


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


# -- commands -------------------------------------------------------------------------


def _cmd_extract(args: argparse.Namespace) -> int:
    from wavecraft_build import cargo
    from wavecraft_build.cache import ParamCache, default_cache_dir
    from wavecraft_build.config import load_project
    from wavecraft_build.extract import DEFAULT_TIMEOUT
    from wavecraft_build.pipeline import Context, cargo_build, discover, extract_cached, run

    path: Path = args.path
    if path.is_dir():
        # A crate or project: the build pipeline's first two steps, no codegen or state.
        project = load_project(path, timeout=args.timeout)
        with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
            ctx = Context(project=project, use_cache=not args.no_cache, reporter=reporter)
            result = run(ctx, (cargo_build, extract_cached)).result
        assert result is not None
    else:
        # A library built elsewhere: its features are unknown, so they are not in the key.
        result, _hit = discover(
            path,
            features=(),
            target=cargo.host_triple(),
            timeout=args.timeout or DEFAULT_TIMEOUT,
            cache=None if args.no_cache else ParamCache(default_cache_dir()),
        )
    _print_result(result, args.json)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import Context, run

    project = load_project(args.project, timeout=args.timeout)
    cache_start = _compiler_cache_start(project.compiler_cache)
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
    if args.json:
        _print_result(ctx.result, True)
        return 0
    print(format_table(ctx.result))
    if not args.quiet:
        source = "from cache" if ctx.cache_hit else "extracted"
        print(f"library: {ctx.build.artifact} (parameters {source})", file=sys.stderr)
        _compiler_cache_summary(cache_start)
    return 0


def _cmd_codegen(args: argparse.Namespace) -> int:
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import Context, codegen, load_state

    project = load_project(args.project)
    result = load_state(project)
    if result is None:
        raise WavecraftError(
            "no extracted parameters yet",
            path=project.state_dir / "params.json",
            hint="run `wavecraft-build build` first",
        )
    ctx = Context(project=project, result=result)
    codegen(ctx)
    print("\n".join(ctx.codegen_report.lines()))
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from wavecraft_build.scaffold import ScaffoldOptions, scaffold

    result = scaffold(
        ScaffoldOptions(
            args.name, args.directory, args.vendor, args.email, args.url, args.git, args.force
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
    from wavecraft_build.config import load_project
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
    )
    with reporting(quiet=args.quiet, verbose=args.verbose) as reporter:
        report = release(project, options, reporter)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print("\n".join(report.lines()))
    if not args.quiet:
        _compiler_cache_summary(cache_start)
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


def _add_project(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--project",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="plugin project folder (default: the current folder)",
    )


def _add_output(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    group.add_argument("--verbose", "-v", action="store_true", help="show cargo's full output")


def _add_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help="kill a parameter extraction after this long (default: [tool.wavecraft] "
        "extract-timeout, else 30)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wavecraft-build",
        description="Build Rust audio plugins: scaffold, extract parameters in an isolated "
        "process, generate TypeScript/React/Python bindings, hot-reload and release bundles.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from wavecraft_build.scaffold import DEFAULT_VENDOR

    p = sub.add_parser(
        "new",
        help="create a plugin project from the template",
        description="Create a plugin project: Rust engine (VST3 + CLAP via nice-plug), "
        "Vite + React UI, noxfile. Nothing is written if NAME or an option is invalid.",
    )
    p.add_argument(
        "name",
        metavar="NAME",
        help="plugin name: letters, digits, '-' and '_', starting with a letter, at most 64 "
        "characters, not a Rust keyword (e.g. my-synth)",
    )
    p.add_argument(
        "--dir",
        dest="directory",
        type=Path,
        default=None,
        metavar="DIR",
        help="project folder to create (default: ./NAME); must be empty unless --force",
    )
    p.add_argument(
        "--vendor",
        default=DEFAULT_VENDOR,
        metavar="V",
        help="vendor shown by hosts, also used in the CLAP id (default: %(default)s)",
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
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser(
        "extract",
        help="print the parameters of a built plugin library (or of a crate, built first)",
        description="Load PATH in an isolated child interpreter and print its parameters. "
        "PATH is a built cdylib (.so/.dylib/.dll) or a crate/project folder, which is "
        "built with --features _param-discovery first.",
    )
    p.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=Path(),
        metavar="PATH",
        help="a built library, or a crate/project folder (default: the current folder)",
    )
    p.add_argument("--json", action="store_true", help="print the validated JSON array")
    p.add_argument("--no-cache", action="store_true", help="always run the extraction child")
    _add_timeout(p)
    _add_output(p)
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser(
        "build",
        help="discovery build + extraction + cache + codegen",
        description="Run `cargo build --lib --features _param-discovery`, extract and "
        "validate the parameters (cached by content), and regenerate the bindings.",
    )
    _add_project(p)
    p.add_argument("--release", action="store_true", help="build the release profile")
    p.add_argument("--no-cache", action="store_true", help="always run the extraction child")
    p.add_argument("--json", action="store_true", help="print the parameters as JSON")
    _add_timeout(p)
    _add_output(p)
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "codegen",
        help="regenerate bindings from the last extracted parameters",
        description="Write ui/src/generated/*.ts, UI stubs (once) and the Python parameter "
        "module from the parameters the last successful build extracted.",
    )
    _add_project(p)
    p.set_defaults(func=_cmd_codegen)

    p = sub.add_parser(
        "release",
        help="release VST3 + CLAP bundles, manifest and Python wheel into target/bundled/",
        description="Build the UI (npm ci + npm run build), `cargo build --release`, check "
        "its parameters against the discovery extraction, and publish NAME.vst3, NAME.clap, "
        "the Python wheel and manifest.json to <target>/bundled/ in one atomic swap (a "
        "failure keeps the previous bundles).",
    )
    _add_project(p)
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
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: <cargo target dir>/bundled)",
    )
    p.add_argument("--no-cache", action="store_true", help="always run the extraction child")
    p.add_argument("--json", action="store_true", help="print the release report as JSON")
    _add_output(p)
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser(
        "doctor",
        help="check Python, Rust, nice-plug, Node/npm and the cache; say what to install",
        description="Check everything the workflow needs and print the fix for each gap.",
    )
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser(
        "dev",
        help="watch the engine, rebuild, extract and regenerate on every change",
        description="Hot-reload loop: watch engine/ (*.rs, Cargo.toml, Cargo.lock, build.rs), "
        "run the discovery build on change (cancelling a build that is still running), "
        "extract the parameters and regenerate the bindings. Failures keep the last good "
        "state. Ctrl-C exits with 130.",
    )
    _add_project(p)
    p.add_argument("--no-ui", action="store_true", help="do not start `npm run dev` in ui/")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON event per line (also: WAVECRAFT_DEV_JSON=1)",
    )
    p.add_argument("--verbose", action="store_true", help="show cargo's full output")
    _add_timeout(p)
    p.set_defaults(func=_cmd_dev)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
