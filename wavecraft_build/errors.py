"""The one error tree of wavecraft-build.

Every failure a user can cause or fix is a ``WavecraftError`` subclass that names its
class, the file involved and the next step. The CLI turns these into a one- or two-line
message and the class's exit code; no traceback is shown for them. Anything else that
escapes is a bug in this tool, and the CLI shows its traceback.

This module is at the bottom of the import graph: it imports nothing of the package.

Type-only imports: every module spells the guard ``TYPE_CHECKING = False`` (mypy and pyright
read it as ``typing.TYPE_CHECKING``). Importing ``typing`` for that one constant costs about
4 ms, half of the interpreter's own start-up, and this module and ``cli`` are on the path of
``--help`` and of a cache hit (``benchmarks/bench_cli.py``).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    import os
    from pathlib import Path

    StrPath = str | os.PathLike[str]

__all__ = [
    "EXIT_CODES_HELP",
    "BuildFailed",
    "CacheError",
    "CodegenError",
    "ConfigError",
    "DuplicateId",
    "ExtractionCrashed",
    "ExtractionExited",
    "ExtractionTimeout",
    "InternalError",
    "Interrupted",
    "InvalidJson",
    "InvalidUtf8",
    "LibraryNotFound",
    "LoadFailed",
    "NotBuilt",
    "PresetError",
    "ProjectTestsFailed",
    "ReleaseError",
    "RuntimeLoadError",
    "ScaffoldError",
    "SchemaViolation",
    "SymbolMissing",
    "TooLarge",
    "ToolMissing",
    "UsageError",
    "WavecraftError",
]


class WavecraftError(Exception):
    """Base of every user-facing failure.

    ``kind`` is the short class name shown to the user, ``exit_code`` is stable and
    documented in ``wavecraft-build --help``. Each class's docstring says what to do: the
    docs' error table is generated from them.
    """

    kind: str = "error"
    exit_code: int = 1

    def __init__(self, message: str, *, path: StrPath | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.path: Path | None = None
        if path is not None:
            from pathlib import Path  # here: `--help` prints the codes without pathlib

            self.path = Path(path)
        self.hint = hint

    def render(self) -> str:
        """The one or two lines the user sees."""
        where = f" ({self.path})" if self.path is not None else ""
        text = f"error[{self.kind}]: {self.message}{where}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self.render()


class ConfigError(WavecraftError):
    """Fix the named key or file, or pass `--project DIR`."""

    kind, exit_code = "config", 2


class ToolMissing(WavecraftError):
    """Install what the message names (`wavecraft-build doctor` lists everything)."""

    kind, exit_code = "tool missing", 3


class BuildFailed(WavecraftError):
    """Fix cargo's first error, shown in the message (`--verbose` for all of it)."""

    kind, exit_code = "build failed", 10


class LibraryNotFound(WavecraftError):
    """Build first; add `crate-type = ["cdylib"]` to `[lib]`."""

    kind, exit_code = "library not found", 11


class LoadFailed(WavecraftError):
    """The dlopen message says why (wrong architecture, missing dependency)."""

    kind, exit_code = "load failed", 12


class SymbolMissing(WavecraftError):
    """Build with `--features _param-discovery`; export the binary contract."""

    kind, exit_code = "symbol missing", 13


class ExtractionTimeout(WavecraftError):
    """A getter or static initialiser never returned (the call is named): look for a
    deadlock, or raise `--timeout`."""

    kind, exit_code = "timed out", 14


class ExtractionCrashed(WavecraftError):
    """The plugin crashed (signal and panic message shown): run its cargo tests."""

    kind, exit_code = "crashed", 15


class ExtractionExited(WavecraftError):
    """Plugin code called `exit()` while loading or listing parameters."""

    kind, exit_code = "exited", 16


class InvalidUtf8(WavecraftError):
    """Return UTF-8 from the getters."""

    kind, exit_code = "invalid utf-8", 17


class InvalidJson(WavecraftError):
    """Serialise with serde_json; the position is shown."""

    kind, exit_code = "invalid json", 18


class TooLarge(InvalidJson):
    """A getter's answer is over the extraction's size limit (``_frames.MAX_PAYLOAD``)."""

    kind = "too large"


class SchemaViolation(WavecraftError):
    """Fix the parameter declarations (each violation names the parameter id)."""

    kind, exit_code = "schema violation", 19


class DuplicateId(SchemaViolation):
    kind = "duplicate id"


class CacheError(WavecraftError):
    """Check that `WAVECRAFT_CACHE_DIR` is writable."""

    kind, exit_code = "cache", 20


class ScaffoldError(WavecraftError):
    """Choose another name or folder (nothing was written)."""

    kind, exit_code = "scaffold", 21


class CodegenError(WavecraftError):
    """See the message; generated files are unchanged."""

    kind, exit_code = "codegen", 22


class RuntimeLoadError(WavecraftError):
    """The library or its vtable does not match `wavecraft_build.runtime`."""

    kind, exit_code = "runtime", 23


class ReleaseError(WavecraftError):
    """See the message; the previous bundles are unchanged."""

    kind, exit_code = "release", 24


class ProjectTestsFailed(WavecraftError):
    """Fix the failing tests the summary names (plots in build/test-results/), or run
    `nox -s test -- --update-golden` when the change of sound is meant; `release --skip-tests`
    publishes anyway and says so in manifest.json."""

    kind, exit_code = "tests failed", 25


class PresetError(WavecraftError):
    """Fix the named preset file in presets/ (key, value, allowed range in the message); the
    last good bindings and bundles are unchanged."""

    kind, exit_code = "preset", 26


class NotBuilt(WavecraftError):
    """Run `wavecraft-build build` first (e.g. `codegen` needs extracted parameters)."""

    kind, exit_code = "not built", 4


class InternalError(WavecraftError):
    """A bug in wavecraft-build, not in your plugin: please report the message."""

    kind, exit_code = "internal error", 70  # sysexits.h EX_SOFTWARE

    def __init__(
        self, message: str, *, path: StrPath | None = None, hint: str | None = None
    ) -> None:
        super().__init__(
            message,
            path=path,
            hint=hint
            or "this is a bug in wavecraft-build, not in your plugin; please report it "
            "with this message",
        )


class UsageError(WavecraftError):
    """The command line itself is wrong: an unknown command or option, a bad value."""

    kind, exit_code = "usage", 64  # sysexits.h EX_USAGE; argparse's own 2 is "config" here


class Interrupted(WavecraftError):
    """Ctrl-C: every child process was stopped."""

    kind, exit_code = "interrupted", 130


def _exit_codes_help() -> str:
    rows = [
        (0, "success"),
        *(
            (cls.exit_code, cls.kind)
            for cls in (
                ConfigError,
                ToolMissing,
                NotBuilt,
                BuildFailed,
                LibraryNotFound,
                LoadFailed,
                SymbolMissing,
                ExtractionTimeout,
                ExtractionCrashed,
                ExtractionExited,
                InvalidUtf8,
                InvalidJson,
                SchemaViolation,
                CacheError,
                ScaffoldError,
                CodegenError,
                RuntimeLoadError,
                ReleaseError,
                ProjectTestsFailed,
                UsageError,
                InternalError,
                Interrupted,
            )
        ),
    ]
    return "\n".join(f"  {code:>3}  {kind}" for code, kind in rows)


EXIT_CODES_HELP = _exit_codes_help()
