"""Command-line front end: parse options, run the command, map errors to exit codes.

Thin on purpose: the parser is built here from ``_cli_args`` (each command's arguments,
the shared flags, the command table), the commands are in ``commands`` (a few lines each
over ``pipeline``, ``extract``, ``scaffold``, ``dev`` or ``release``; the same functions
back the nox sessions). User errors (``WavecraftError``) print one or two lines and exit
with their documented code, usage errors included (``UsageError``, with the nearest command
for a mistyped one); Ctrl-C exits 130 after the child processes are gone.

One special path, for start-up time: ``extract --json LIB`` on a cache hit is printed from
the cache (``cache.cached_printout``) before argparse loads; anything else, and any miss,
goes through the parser (``tests/test_startup.py`` checks both print the same bytes). So
argparse and pathlib are imported where the parser is built, and each command imports what
it uses (in ``commands``).
"""

from __future__ import annotations

import sys

from wavecraft_build import __version__
from wavecraft_build._cli_args import COMMAND_TABLE, COMMANDS, shared_flags
from wavecraft_build.errors import EXIT_CODES_HELP, Interrupted, UsageError, WavecraftError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import NoReturn

__all__ = ["COMMANDS", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    import argparse

    class Parser(argparse.ArgumentParser):
        """A usage error is ``error[usage]`` with exit 64 (argparse's own 2 means config)."""

        def error(self, message: str) -> NoReturn:
            raise UsageError(message, hint=f"see `{self.prog} --help`")

    parser: argparse.ArgumentParser = Parser(
        prog="wavecraft-build",
        description="Build Rust audio plugins: scaffold, extract parameters in an isolated "
        "process, generate TypeScript/React/Python bindings, hot-reload and release bundles.",
        epilog=f"exit codes:\n{EXIT_CODES_HELP}\n\n"
        "Run `wavecraft-build COMMAND --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command_name", metavar="COMMAND", required=True)
    shared = shared_flags()
    for name, summary, description, flags, add_args, command in COMMAND_TABLE:
        p = sub.add_parser(
            name,
            help=summary,
            description=description,
            parents=[shared["output"], *(shared[flag] for flag in flags)],  # -q/-v everywhere
        )
        add_args(p)
        p.set_defaults(command=command)
    return parser


def _hit_request(argv: list[str]) -> str | None:
    """LIB for exactly ``extract --json LIB`` / ``extract LIB --json``, else None."""
    if len(argv) != 3 or argv[0] != "extract" or "--json" not in argv[1:]:
        return None
    lib = argv[2] if argv[1] == "--json" else argv[1]
    return None if lib.startswith("-") else lib


def _check_command(argv: list[str]) -> None:
    """A mistyped command is a usage error that names the nearest one."""
    if not argv or argv[0].startswith("-") or argv[0] in COMMANDS:
        return
    import difflib

    near = difflib.get_close_matches(argv[0], COMMANDS, n=1, cutoff=0.5)
    raise UsageError(
        f"unknown command {argv[0]!r}",
        hint=f"did you mean `{near[0]}`?" if near else "see `wavecraft-build --help` for the "
        "commands",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    lib = _hit_request(args_list)
    if lib is not None:  # the parser would cost more than the whole answer
        from wavecraft_build.cache import cached_printout  # not for --help

        text = cached_printout(lib)
        if text is not None:
            sys.stdout.buffer.write(text)
            sys.stdout.flush()
            return 0
    child = None
    try:
        if args_list[:1] == ["extract"] and not {"-h", "--help"} & set(args_list):
            # The child's interpreter starts up while argparse loads.
            from wavecraft_build.extract import Child

            child = Child()
        _check_command(args_list)
        args = build_parser().parse_args(args_list)
        args.child = child  # extract's pre-started child (``extract.Child``), else None
        from wavecraft_build import commands

        code: int = getattr(commands, args.command)(args)
        return code
    except KeyboardInterrupt:
        print(Interrupted("interrupted; child processes were stopped").render(), file=sys.stderr)
        return Interrupted.exit_code
    except WavecraftError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    finally:
        if child is not None:
            child.discard()  # unused (a hit, --help, an error); a no-op once run


if __name__ == "__main__":
    sys.exit(main())
