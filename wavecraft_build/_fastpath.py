"""``extract --json LIB`` without argparse: its arguments, its cache-hit answer, the key scheme.

A user who asks again for the parameters of an unchanged library should wait for a stat,
two small reads and a write to stdout, not for argparse, rich, pathlib, json and the
metadata classes to import. So this module imports only ``os`` and ``sys`` (and a sha256
from the interpreter's built-in modules), works on ``str`` paths, and defines the key
scheme once: ``cache.ParamCache`` computes its keys with the same functions.

``extract_request`` recognises the command line ``extract --json LIB`` (with any of
``--no-cache``, ``--timeout S``, ``-q``, ``-v``), so that ``cli.main`` can run a cold
extraction without building the parser; anything else (another command, a folder, an
unusual or wrong option) answers None and argparse decides, with its own messages.
``print_cached`` answers such a request from the cache; a miss or an unreadable record
answers False and the extraction runs, which repairs what it finds.
"""

import os
import sys

__all__ = [
    "CACHE_FORMAT",
    "MAX_TIMEOUT",
    "cache_root",
    "cached_printout",
    "entry_digest",
    "extract_request",
    "host_triple",
    "print_cached",
    "printed_path",
    "read_printed",
    "read_stat_record",
    "sha256_hex",
    "stat_record",
    "stat_record_path",
]

CACHE_FORMAT = 2
_APP = "wavecraft-build"

try:  # the interpreter's built-in sha256: hashlib would load OpenSSL (2 ms) for one digest
    from _sha2 import sha256 as _sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Python 3.11
    try:
        from _sha256 import sha256 as _sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:  # an interpreter built without it
        from hashlib import sha256 as _sha256  # type: ignore[assignment, unused-ignore]


def sha256_hex(data: bytes) -> str:
    digest: str = _sha256(data).hexdigest()
    return digest


def cache_root() -> str:
    """``$WAVECRAFT_CACHE_DIR``, else the platform's user cache folder (platformdirs' rule).

    On Linux that rule is ``$XDG_CACHE_HOME`` or ``~/.cache``, applied here directly because
    importing platformdirs costs more than a whole cache hit; elsewhere platformdirs
    decides. A test checks both agree.
    """
    env = os.environ.get("WAVECRAFT_CACHE_DIR")
    if env:
        return env
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        if not os.path.isabs(base):
            base = os.path.join(os.path.expanduser("~"), ".cache")
        return os.path.join(base, _APP)
    import platformdirs

    return platformdirs.user_cache_dir(_APP, appauthor=False)


def host_triple() -> str:
    """The host's target triple, derived without spawning rustc (a cache-key discriminator)."""
    if hasattr(os, "uname"):
        machine = os.uname().machine
    else:  # Windows
        import platform

        machine = platform.machine()
    machine = machine.lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    if sys.platform.startswith("linux"):
        return f"{machine}-unknown-linux-gnu"
    if sys.platform == "darwin":
        return f"{machine}-apple-darwin"
    if sys.platform == "win32":
        return f"{machine}-pc-windows-msvc"
    return f"{machine}-unknown-{sys.platform}"


def stat_record_path(root: str, lib: str) -> str:
    """Where the (stat -> sha256) record of the resolved library path ``lib`` lives."""
    return os.path.join(root, "stat", sha256_hex(os.fsencode(lib))[:32] + ".txt")


def stat_record(st: os.stat_result, sha: str) -> str:
    """One line: size, mtime_ns, inode, device, then the library's sha256."""
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino} {st.st_dev} {sha}\n"


def read_stat_record(record: str, st: os.stat_result) -> str | None:
    """The recorded sha256 if the library's stat still matches the record, else None."""
    try:
        with open(record, "rb") as fh:
            fields = fh.read(256).decode("ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    expected = [str(st.st_size), str(st.st_mtime_ns), str(st.st_ino), str(st.st_dev)]
    if len(fields) != 5 or fields[:4] != expected or len(fields[4]) != 64:
        return None
    return fields[4]


def entry_digest(library_sha: str, features: tuple[str, ...] | list[str], target: str,
                 tool_version: str) -> str:
    material = "\0".join(
        [f"format={CACHE_FORMAT}", library_sha, ",".join(sorted(features)), target, tool_version]
    )
    return sha256_hex(material.encode())


def printed_path(root: str, digest: str) -> str:
    """The exact text ``extract --json`` prints for the entry ``digest``."""
    return os.path.join(root, "printed", f"{digest}.json")


def cached_printout(lib: str) -> bytes | None:
    """What ``extract --json LIB`` printed last time for this unchanged library, or None."""
    try:
        lib = os.path.realpath(lib)
        st = os.stat(lib)
    except (OSError, ValueError):
        return None
    root = cache_root()
    sha = read_stat_record(stat_record_path(root, lib), st)
    if sha is None:
        return None
    from wavecraft_build import __version__

    # A library built elsewhere: its features are unknown, so they are not in the key.
    return read_printed(root, entry_digest(sha, (), host_triple(), __version__))


def read_printed(root: str, digest: str) -> bytes | None:
    """The stored ``extract --json`` text of entry ``digest``, or None (missing, torn)."""
    try:
        with open(printed_path(root, digest), "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    return text if text.startswith(b"[") else None


_SWITCHES = {"--json": "json", "--no-cache": "no_cache", "--quiet": "quiet", "-q": "quiet",
             "--verbose": "verbose", "-v": "verbose"}
MAX_TIMEOUT = 3600.0
"""The longest --timeout in seconds (the parser checks the same limit)."""


def _timeout(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value <= MAX_TIMEOUT else None


def extract_request(argv: list[str]) -> tuple[str, bool, float | None] | None:
    """(LIB, no_cache, timeout) for ``extract --json LIB [--no-cache] [--timeout S] [-q|-v]``.

    Options in any order, each at most once; LIB must not be a folder (a crate is built
    first, by the full CLI). Anything else is None, and argparse handles it.
    """
    if not argv or argv[0] != "extract":
        return None
    seen: set[str] = set()
    paths: list[str] = []
    timeout: float | None = None
    rest = iter(argv[1:])
    for arg in rest:
        name, _, value = arg.partition("=") if arg.startswith("--timeout=") else (arg, "", "")
        if name == "--timeout":
            value = value or next(rest, "")
            timeout = _timeout(value)
            if timeout is None:
                return None
            flag = "timeout"
        elif arg in _SWITCHES:
            flag = _SWITCHES[arg]
        elif arg.startswith("-"):
            return None  # another option, an abbreviation, --help: the parser's business
        else:
            paths.append(arg)
            continue
        if flag in seen:
            return None
        seen.add(flag)
    if "json" not in seen or len(paths) != 1 or {"quiet", "verbose"} <= seen:
        return None
    if not paths[0] or os.path.isdir(paths[0]):  # "" is "." to the parser
        return None
    return paths[0], "no_cache" in seen, timeout


def print_cached(lib: str) -> bool:
    """Print what ``extract --json LIB`` printed last time, if the cache has it."""
    text = cached_printout(lib)
    if text is None:
        return False
    sys.stdout.buffer.write(text)
    sys.stdout.flush()
    return True
