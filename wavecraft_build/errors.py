"""The one error tree of wavecraft-build.

Every failure a user can cause or fix is a ``WavecraftError`` subclass that names its
class, the file involved and the next step. The CLI turns these into a one- or two-line
message and the class's exit code; no traceback is shown for them. Anything else that
escapes is a bug in this tool, and the CLI shows its traceback.

This module is at the bottom of the import graph: it imports nothing of the package.
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing would cost every cold extraction ~4 ms

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
    "ProjectTestsFailed",
    "ReleaseError",
    "RuntimeLoadError",
    "ScaffoldError",
    "SchemaViolation",
    "SymbolMissing",
    "ToolMissing",
    "WavecraftError",
]


class WavecraftError(Exception):
    """Base of every user-facing failure.

    ``kind`` is the short class name shown to the user, ``exit_code`` is stable and
    documented in ``wavecraft-build --help``.
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
    kind, exit_code = "config", 2


class ToolMissing(WavecraftError):
    kind, exit_code = "tool missing", 3


class BuildFailed(WavecraftError):
    kind, exit_code = "build failed", 10


class LibraryNotFound(WavecraftError):
    kind, exit_code = "library not found", 11


class LoadFailed(WavecraftError):
    kind, exit_code = "load failed", 12


class SymbolMissing(WavecraftError):
    kind, exit_code = "symbol missing", 13


class ExtractionTimeout(WavecraftError):
    kind, exit_code = "timed out", 14


class ExtractionCrashed(WavecraftError):
    kind, exit_code = "crashed", 15


class ExtractionExited(WavecraftError):
    kind, exit_code = "exited", 16


class InvalidUtf8(WavecraftError):
    kind, exit_code = "invalid utf-8", 17


class InvalidJson(WavecraftError):
    kind, exit_code = "invalid json", 18


class SchemaViolation(WavecraftError):
    kind, exit_code = "schema violation", 19


class DuplicateId(SchemaViolation):
    kind = "duplicate id"


class CacheError(WavecraftError):
    kind, exit_code = "cache", 20


class ScaffoldError(WavecraftError):
    kind, exit_code = "scaffold", 21


class CodegenError(WavecraftError):
    kind, exit_code = "codegen", 22


class RuntimeLoadError(WavecraftError):
    kind, exit_code = "runtime", 23


class ReleaseError(WavecraftError):
    kind, exit_code = "release", 24


class ProjectTestsFailed(WavecraftError):
    """The plugin project's own tests (``tests/``) failed: ``test`` and ``release`` stop."""

    kind, exit_code = "tests failed", 25


class NotBuilt(WavecraftError):
    """A command needs the output of a build that has not run yet (e.g. codegen)."""

    kind, exit_code = "not built", 4


class InternalError(WavecraftError):
    """A bug in wavecraft-build itself (e.g. its extraction child failed), not the plugin's."""

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


class Interrupted(WavecraftError):
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
                InternalError,
                Interrupted,
            )
        ),
    ]
    return "\n".join(f"  {code:>3}  {kind}" for code, kind in rows)


EXIT_CODES_HELP = _exit_codes_help()
