"""Isolated parameter extraction: the parent side.

Plugin code never runs in this process. ``extract_params`` first checks the library's
exported symbols without loading it (``_elf``, ELF only), then starts ``_child.py`` in a
fresh ``python -I -S`` in its own process group, with the library's stdout/stderr going to
a log file and the results coming back as frames on a separate file descriptor. The
child is killed with its whole group on timeout, Ctrl-C and any error. Every outcome is
either a validated ``ExtractionResult`` or one ``WavecraftError`` subclass that names the
failing call and the library. The child's answer is at most ``_frames.MAX_PAYLOAD`` per
getter; ``_decode`` turns it into checked parameters within the same ``--timeout``.
"""

from __future__ import annotations

import os
import sys
import time

from wavecraft_build import _proc
from wavecraft_build.errors import (
    ExtractionCrashed,
    ExtractionExited,
    ExtractionTimeout,
    InternalError,
    LibraryNotFound,
    LoadFailed,
    SymbolMissing,
    TooLarge,
)
from wavecraft_build.extract import _frames
from wavecraft_build.extract._decode import RawExtraction, decode, decode_canonical
from wavecraft_build.extract._elf import NotElf, defined_dynamic_symbols

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    from typing import IO

    from wavecraft_build.metadata import ExtractionResult

    StrPath = str | os.PathLike[str]

__all__ = [
    "DEFAULT_TIMEOUT",
    "Child",
    "RawExtraction",
    "decode",
    "decode_canonical",
    "extract_params",
    "require_library",
    "run_child",
]

DEFAULT_TIMEOUT = 30.0
REQUIRED_SYMBOLS = ("wavecraft_get_params_json", "wavecraft_free_string")
_HERE = os.path.dirname(os.path.abspath(__file__))
_CHILD = os.path.join(_HERE, "_child.py")
_LOG_TAIL_BYTES = 64 * 1024
_LIBRARY_SUFFIXES = (".so", ".dylib", ".dll")
# The child sends at most two answers of MAX_PAYLOAD and a few stage names; a report larger
# than this was written by plugin code on the frames descriptor and is not read at all.
_MAX_REPORT = 2 * _frames.MAX_PAYLOAD + 64 * 1024
_LIMIT_TEXT = f"{_frames.MAX_PAYLOAD // 2**20} MiB"


_sys_path: tuple[str, ...] | None = None


def _child_sys_path() -> tuple[str, ...]:
    """This folder (``_frames``, the ABI module) and cffi's, for a child started with -I -S."""
    global _sys_path
    if _sys_path is None:
        from importlib.machinery import PathFinder  # importlib.util would cost 2 ms more

        spec = PathFinder.find_spec("_cffi_backend")
        if spec is None or spec.origin is None:  # pragma: no cover - cffi is a dependency
            raise LoadFailed("cffi is not installed", hint="pip install cffi")
        _sys_path = (_HERE, os.path.dirname(spec.origin))
    return _sys_path


def _scratch(name: str) -> IO[bytes]:
    """An anonymous read-write file (a memfd on Linux), numbered 3 or above.

    A parent started with stdin, stdout or stderr closed gets those numbers back for the
    first files it opens; passed to the child under such a number, the frames file would be
    overwritten by the child's stdio (``_proc.spawn`` refuses it), so it moves up first.
    """
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is None:
        import tempfile

        return tempfile.TemporaryFile()
    fd = memfd_create(name)
    if fd < 3:
        import fcntl

        low, fd = fd, fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
        os.close(low)
    return open(fd, "r+b")


def require_library(lib: StrPath) -> None:
    """Fail early, without running anything, when ``lib`` is not a file."""
    if os.path.isfile(lib):
        return
    if os.path.isdir(lib):
        raise LibraryNotFound(
            "expected a built library, got a folder", path=lib, hint="pass the .so/.dylib path"
        )
    if not os.fspath(lib).endswith(_LIBRARY_SUFFIXES):
        raise LibraryNotFound(
            "no such file or folder",
            path=lib,
            hint="pass a crate or project folder, or a built library (.so/.dylib/.dll)",
        )
    raise LibraryNotFound(
        "no such library", path=lib, hint="build the plugin first: wavecraft-build build"
    )


def _check_symbols(lib: str) -> None:
    """Cheap checks before any plugin code runs: a shared library that exports the contract."""
    require_library(lib)
    try:
        with open(lib, "rb") as fh:
            if fh.read(4) != b"\x7fELF":
                if sys.platform in ("darwin", "win32"):
                    return  # Mach-O / PE: the child reports missing symbols after dlopen.
                raise NotElf("no ELF header")
            names = defined_dynamic_symbols(fh)
    except (ValueError, OSError) as exc:
        raise LoadFailed(
            f"not a shared library: {exc}",
            path=lib,
            hint="point at the cdylib cargo built (wavecraft-build build prints its path)",
        ) from None
    for name in REQUIRED_SYMBOLS:
        if name not in names:
            raise SymbolMissing(
                f"the library does not export `{name}`",
                path=lib,
                hint="build with `--features _param-discovery` and export the Wavecraft "
                "contract (the wavecraft_plugin! macro does it)",
            )


def _tail(log: IO[bytes]) -> str:
    log.seek(0, os.SEEK_END)
    size = log.tell()
    log.seek(max(0, size - _LOG_TAIL_BYTES))
    return log.read().decode("utf-8", "replace")


class Child:
    """One extraction child process, started before it knows which library to load.

    The interpreter starts and imports cffi first, then blocks reading the library path
    from its stdin: no plugin code runs until ``run``. The dev loop starts one while cargo
    compiles, and the CLI's cold ``extract`` before it imports anything else, so the
    interpreter's start-up is off the critical path; a fresh process still loads every
    library. ``discard`` kills an unused child; ``run`` consumes it.
    """

    def __init__(self) -> None:
        self._out = _scratch("wavecraft-frames")
        self._log = _scratch("wavecraft-log")
        stdin, self._stdin = os.pipe()
        argv = [sys.executable, "-I", "-S", _CHILD, str(self._out.fileno()), str(os.getpid()),
                *_child_sys_path()]
        try:
            self.process = _proc.spawn(argv, stdin=stdin, stdout=self._log, stderr=self._log,
                                       pass_fds=(self._out.fileno(),))
        except BaseException:
            os.close(self._stdin)
            self._out.close()
            self._log.close()
            raise
        finally:
            os.close(stdin)

    @property
    def spent(self) -> bool:
        """True once ``run`` or ``discard`` used this child up."""
        return self._out.closed

    def discard(self) -> None:
        if not self.spent:
            _proc.kill_group(self.process)
            self._close()

    def _close(self) -> None:
        self._close_stdin()
        self._out.close()
        self._log.close()

    def _close_stdin(self) -> None:
        """Close the path pipe once: a second close could hit a reused descriptor number."""
        if self._stdin >= 0:
            os.close(self._stdin)
            self._stdin = -1

    def run(self, lib: StrPath, timeout: float) -> RawExtraction:
        """Load ``lib`` in this child; the wall-clock ``timeout`` starts now.

        It bounds the whole extraction: this wait, and then the decoding and checking of
        what the child sent (``decode_canonical`` checks the deadline it returns).
        """
        path = os.fspath(lib)
        deadline = time.monotonic() + timeout
        try:
            try:
                os.write(self._stdin, os.fsencode(path))  # a path fits the pipe's buffer
            except BrokenPipeError:
                pass  # the child died early; its exit status tells why
            self._close_stdin()
            code = _proc.wait(self.process, timeout)
            if code is None:
                _proc.kill_group(self.process)
            raw = _outcome(path, code, self._out, self._log, timeout)
            raw.deadline = deadline
            return raw
        except BaseException:
            _proc.kill_group(self.process)  # Ctrl-C or an error of ours: no child survives
            raise
        finally:
            self._close()


def run_child(
    lib: StrPath, *, timeout: float = DEFAULT_TIMEOUT, child: Child | None = None
) -> RawExtraction:
    """Run the child for ``lib`` and return the raw getter output, or raise a classified error.

    Only error classes that need the process (load, symbol, timeout, crash, exit) are raised
    here; decoding and validation happen in ``decode``. ``child`` is a pre-started ``Child``.
    """
    path = os.path.realpath(lib)
    try:
        _check_symbols(path)
    except BaseException:
        if child is not None:
            child.discard()
        raise
    return (child or Child()).run(path, timeout)


def _outcome(
    lib: str, code: int | None, out: IO[bytes], log: IO[bytes], timeout: float
) -> RawExtraction:
    reported = _read_report(out, lib)
    stage = next((p.decode() for t, p in reversed(reported) if t == _frames.STAGE), "start-up")
    if code is None:
        raise ExtractionTimeout(
            f"`{stage}` did not return within {timeout:g} s; the child was killed",
            path=lib,
            hint="look for a deadlock or endless loop in static initialisers or parameter "
            "code (e.g. a OnceLock initialised during dlopen); raise --timeout if it is "
            "only slow",
        )
    found = dict(reported)
    _raise_reported_error(lib, found)
    log_tail = _tail(log)
    said = _last_words(log_tail)
    if code < 0:
        raise ExtractionCrashed(
            f"the extraction child crashed with {_proc.signal_name(code)} during `{stage}`{said}",
            path=lib,
            hint="the plugin's code crashed while loading or listing parameters; run its "
            "cargo tests or a debugger on that call",
        )
    if code != 0 or (_frames.PARAMS not in found and _frames.PARAMS_NULL not in found):
        raise ExtractionExited(
            f"plugin code ended the extraction child with exit status {code} during "
            f"`{stage}`{said}",
            path=lib,
            hint="the plugin must not call exit() while loading or listing parameters",
        )
    return RawExtraction(found.get(_frames.PARAMS), found.get(_frames.PROCESSORS), log_tail,
                         timeout=timeout)


def _read_report(out: IO[bytes], lib: str) -> list[tuple[bytes, bytes]]:
    """The child's frames, read only if their size is one the child can have written."""
    size = os.fstat(out.fileno()).st_size
    if size > _MAX_REPORT:
        raise TooLarge(
            f"the extraction child's report is {size / 2**20:.0f} MiB; an answer may be at "
            f"most {_LIMIT_TEXT}",
            path=lib,
            hint="plugin code wrote to the extraction's report descriptor; it must print only "
            "to stdout/stderr",
        )
    out.seek(0)
    return _frames.split(out.read(size))


def _raise_reported_error(lib: str, found: dict[bytes, bytes]) -> None:
    """The errors the child reported itself, in its own frames."""

    def said(tag: bytes) -> str | None:
        return found[tag].decode("utf-8", "replace").strip() if tag in found else None

    if (internal := said(_frames.INTERNAL_ERROR)) is not None:
        last = (internal.splitlines() or ["no message"])[-1]
        raise InternalError(f"the extraction child failed: {last}", path=lib)
    if (getter := said(_frames.TOO_LARGE)) is not None:
        raise TooLarge(
            f"`{getter}` returned more than {_LIMIT_TEXT}, the limit for one answer",
            path=lib,
            hint="return the parameter list only (10,000 parameters take about 1.5 MiB); "
            "look for a runaway loop building the JSON",
        )
    if (symbol := said(_frames.SYMBOL_MISSING)) is not None:
        raise SymbolMissing(
            f"the library does not export `{symbol}`",
            path=lib,
            hint="build with `--features _param-discovery` and export the Wavecraft contract",
        )
    if (load_error := said(_frames.LOAD_ERROR)) is not None:
        raise LoadFailed(
            f"dlopen failed: {load_error}",
            path=lib,
            hint="check that the library was built for this machine and that its "
            "dependencies are installed (ldd shows missing ones)",
        )


def _last_words(log_tail: str) -> str:
    """The most telling line the child printed: a Rust panic message if there is one."""
    lines = [ln for ln in log_tail.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if "panicked at" in line:
            message = lines[i + 1].strip() if i + 1 < len(lines) else ""
            return f"; it said: {message or line.strip()}"
    useful = [ln.strip() for ln in lines if not ln.lstrip().startswith(("note:", "at "))]
    return f"; it said: {useful[-1]}" if useful else ""


def extract_params(
    lib: StrPath, *, timeout: float = DEFAULT_TIMEOUT, child: Child | None = None
) -> ExtractionResult:
    """Extract and validate the parameters of the built library ``lib`` (no cache)."""
    return decode(run_child(lib, timeout=timeout, child=child), lib)
