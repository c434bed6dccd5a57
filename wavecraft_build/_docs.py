"""The docs' reference pages, generated from the code they describe, so they cannot drift.

- the command-line reference from the argparse parser (``cli.build_parser``),
- the error classes and exit codes from ``errors`` (each class's docstring says what to do),
- the ``[tool.wavecraft]`` table from ``config.CONFIG_KEYS`` (the README holds the same text),
- the dev engine's protocol from ``engine.protocol`` (through ``engine.protocol_doc``).

The docs site's mkdocs hook (``docs/hooks.py``) turns ``pages()`` into pages at build time;
nothing generated is checked in. ``python -m wavecraft_build._docs PAGE`` prints one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from wavecraft_build import errors
from wavecraft_build.cli import build_parser
from wavecraft_build.config import CONFIG_KEYS
from wavecraft_build.engine.protocol_doc import markdown as protocol_tables

__all__ = ["cli_commands", "config_table", "error_classes", "error_table", "pages"]

_GENERATED = "<!-- generated from the code by wavecraft_build/_docs.py: edit the code, not this -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(value: str) -> str:
    return value if value.startswith("(") else f"`{value}`"  # "(none)" is prose, not a value


def config_table() -> str:
    """The ``[tool.wavecraft]`` keys: type, range, default and meaning of each."""
    rows = ["| key | type | range | default | meaning |", "|---|---|---|---|---|"]
    rows += [
        f"| `{key}` | {k.type_name} | {_cell(k.range)} | {_code(k.default)} | {_cell(k.meaning)} |"
        for key, k in CONFIG_KEYS.items()
    ]
    return "\n".join(rows)


def error_classes() -> list[type[errors.WavecraftError]]:
    """Every error class with an exit code of its own, by exit code."""
    found: list[type[errors.WavecraftError]] = []
    todo = list(errors.WavecraftError.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        parent_codes = {b.exit_code for b in cls.__bases__ if issubclass(b, errors.WavecraftError)}
        if cls.exit_code not in parent_codes:
            found.append(cls)
    return sorted(found, key=lambda c: c.exit_code)


def error_table() -> str:
    rows = ["| exit code | class | what to do |", "|---|---|---|"]
    rows += [f"| {c.exit_code} | {c.kind} | {_cell(c.__doc__ or '')} |" for c in error_classes()]
    return "\n".join(rows)


def cli_commands() -> dict[str, argparse.ArgumentParser]:
    """The subcommands of ``wavecraft-build``, by name (the parser the CLI runs)."""
    parser = build_parser()
    # argparse has no public way to list subcommands; _SubParsersAction is stable since 3.2.
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _option_rows(p: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in p._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = ", ".join(f"`{s}`" for s in action.option_strings) or f"`{action.dest.upper()}`"
        takes = action.nargs != 0  # a switch (store_true/false) takes no value
        flag = takes and bool(action.option_strings)
        value = f"`{action.metavar or action.dest.upper()}`" if flag else ""
        default = action.default
        shown = "" if not takes or default in (None, "", argparse.SUPPRESS) else f"`{default}`"
        rows.append(f"| {name} | {value} | {shown} | {_cell(action.help or '')} |")
    return rows


def cli_reference() -> str:
    lines = [
        "# Command-line reference",
        "",
        _GENERATED,
        "",
        "Every command of `wavecraft-build`, as its own parser defines it (`wavecraft-build "
        "COMMAND --help` prints the same). Every nox session of a plugin project (`nox -s dev`, "
        "`nox -s release`, ...) runs the command of the same name; options go after `--` "
        "(`nox -s release -- --install`). Exit codes: [errors](errors.md).",
    ]
    for name, p in cli_commands().items():
        usage = " ".join(p.format_usage().split()).removeprefix("usage: ")
        lines += ["", f"## {name}", "", p.description or "", "", "```text", usage, "```", ""]
        lines += ["| option | value | default | what it does |", "|---|---|---|---|"]
        lines += _option_rows(p)
    return "\n".join(lines) + "\n"


def _errors_page() -> str:
    return "\n".join([
        "# Errors and exit codes",
        "",
        _GENERATED,
        "",
        "Every error wavecraft-build reports is `error[class]: what happened (file)`, with a "
        "`hint:` line when there is a next step, and no traceback; the exit code says the "
        "class. The last good state (cache, generated files, bundles) stays in place. Options "
        "the command line does not know are reported by its parser, with the command's usage.",
        "",
        error_table(),
        "",
    ])


def _config_page() -> str:
    return "\n".join([
        "# Configuration reference",
        "",
        _GENERATED,
        "",
        "`[tool.wavecraft]` in the project's `pyproject.toml`. Unknown keys and wrong types are "
        "errors that name the key, the expected type and the file. Paths are relative to the "
        "project folder. `--timeout` on the command line overrides `extract-timeout`.",
        "",
        config_table(),
        "",
    ])


def _protocol_page() -> str:
    return "\n".join([
        "# Dev engine protocol",
        "",
        "JSON-RPC 2.0 over a WebSocket (`ws://127.0.0.1:9000` unless `--port` or `dev-port` "
        "says otherwise). Wavecraft's method and notification names and shapes, so a UI "
        "written for Wavecraft's dev server works here. Values are plain (dB, Hz, 0/1 for "
        "bools, the variant index for enums), in the declared range. Written down once in "
        "`wavecraft_build/engine/protocol.py`: the server checks against it, the TypeScript "
        "client is generated from it, and so are these tables.",
        "",
        protocol_tables(),
        "",
    ])


def pages() -> dict[str, Callable[[], str]]:
    """Site path -> the function that writes that page."""
    return {
        "reference/cli.md": cli_reference,
        "reference/errors.md": _errors_page,
        "reference/configuration.md": _config_page,
        "reference/protocol.md": _protocol_page,
    }


if __name__ == "__main__":
    print(pages()[sys.argv[1]]())
