"""Content-addressed cache of validated extraction results, and the answer to a hit.

Key = sha256 over (library bytes hash, sorted feature set, target triple, tool version,
cache format). Hashing a large debug library costs milliseconds, so a stat record (size,
mtime_ns, inode, device -> sha256) lets a hit skip hashing entirely; any change to those
four fields falls back to hashing. Entries are written with ``write_atomic`` (temp file +
fsync + rename), so readers see a whole entry or none, and two processes storing the same
key at once simply both rename complete files. A corrupt or foreign entry is treated as a
miss, never as data. A hit never spawns a process.

``discover`` is the read-through every command uses: the cache, else the isolated
extraction child (whose result is then stored).

Next to each entry, ``printed/<key>.json`` holds exactly what ``extract --json`` prints.
``cached_printout`` answers ``extract --json LIB`` from it before the CLI builds its parser
(a stat, two small reads, a print): that is why this module imports only the standard
library's ``os``/``sys``/``json`` and the package's bottom at the top, and the metadata
classes only where an entry is turned into them.
"""

from __future__ import annotations

import json
import os
import sys

from wavecraft_build import __version__, _schema
from wavecraft_build._fs import write_atomic
from wavecraft_build._output import json_text
from wavecraft_build.errors import SchemaViolation

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from wavecraft_build.extract import Child
    from wavecraft_build.metadata import ExtractionResult

    Canonical = tuple[list[dict[str, Any]], list[dict[str, Any]]]

__all__ = [
    "LIBRARY_TARGET",
    "CacheKey",
    "ParamCache",
    "cache_root",
    "cached_printout",
    "default_cache_dir",
    "discover",
    "discover_canonical",
]

CACHE_FORMAT = 3  # 3: a library built elsewhere is keyed by LIBRARY_TARGET
LIBRARY_TARGET = "library"
"""The key's target for a library built elsewhere (``extract LIB``): its features and target
are unknown, and its bytes (in the key) already say which machine it is for."""
_APP = "wavecraft-build"

try:  # the interpreter's built-in sha256: hashlib would load OpenSSL (2 ms) for one digest
    from _sha2 import sha256 as _sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Python 3.11
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found, no-redef, unused-ignore]


def _sha256_hex(data: bytes) -> str:
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


def default_cache_dir() -> Path:
    """``cache_root()`` as a ``Path``."""
    from pathlib import Path

    return Path(cache_root())


def _stat_record_path(root: str, lib: str) -> str:
    """Where the (stat -> sha256) record of the resolved library path ``lib`` lives."""
    return os.path.join(root, "stat", _sha256_hex(os.fsencode(lib))[:32] + ".txt")


def _read_stat_record(record: str, st: os.stat_result) -> str | None:
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


def _entry_digest(library_sha: str, features: Sequence[str], target: str,
                  tool_version: str) -> str:
    material = "\0".join(
        [f"format={CACHE_FORMAT}", library_sha, ",".join(sorted(features)), target, tool_version]
    )
    return _sha256_hex(material.encode())


def _read_printed(root: str, digest: str) -> bytes | None:
    """The stored ``extract --json`` text of entry ``digest``, or None (missing, torn)."""
    try:
        with open(os.path.join(root, "printed", f"{digest}.json"), "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    return text if text.startswith(b"[") else None


def cached_printout(lib: str) -> bytes | None:
    """What ``extract --json LIB`` printed last time for this unchanged library, or None.

    The same key ``ParamCache.key(lib, features=(), target=LIBRARY_TARGET)`` gives, read
    without hashing the library (only its stat record) and without the metadata classes.
    """
    try:
        lib = os.path.realpath(lib)
        st = os.stat(lib)
    except (OSError, ValueError):
        return None
    root = cache_root()
    sha = _read_stat_record(_stat_record_path(root, lib), st)
    if sha is None:
        return None
    return _read_printed(root, _entry_digest(sha, (), LIBRARY_TARGET, __version__))


class CacheKey(tuple[str, str]):
    """(digest, library_sha256): a tuple, so keys compare and hash by value."""

    __slots__ = ()

    def __new__(cls, digest: str, library_sha256: str) -> CacheKey:
        return super().__new__(cls, (digest, library_sha256))

    @property
    def digest(self) -> str:
        return self[0]

    @property
    def library_sha256(self) -> str:
        return self[1]


class ParamCache:
    """Cache rooted at ``root``: ``entries/<key>.json``, ``printed/<key>.json``, ``stat/``.

    Works on ``str`` paths inside (a hit does not import pathlib); accepts
    and returns ``Path`` where callers hold one.
    """

    def __init__(self, root: Path | str, *, tool_version: str = __version__):
        self.root = root
        self.tool_version = tool_version
        self._root = os.fspath(root)

    # -- keys ---------------------------------------------------------------------------

    def library_hash(self, lib: Path | str) -> str:
        """sha256 of ``lib``'s bytes, via the stat fast path when nothing changed."""
        real = os.path.realpath(lib)
        st = os.stat(real)
        record = _stat_record_path(self._root, real)
        known = _read_stat_record(record, st)
        if known is not None:
            return known
        import hashlib  # a miss only: OpenSSL's sha256 is 5x the built-in one on a library

        with open(real, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        write_atomic(record, f"{st.st_size} {st.st_mtime_ns} {st.st_ino} {st.st_dev} {digest}\n")
        return digest

    def key(self, lib: Path | str, *, features: Sequence[str], target: str) -> CacheKey:
        lib_sha = self.library_hash(lib)
        digest = _entry_digest(lib_sha, features, target, self.tool_version)
        return CacheKey(digest, lib_sha)

    # -- entries ------------------------------------------------------------------------

    def entry_path(self, key: CacheKey) -> Path:
        from pathlib import Path

        return Path(self._entry_file(key))

    def _entry_file(self, key: CacheKey) -> str:
        return os.path.join(self._root, "entries", f"{key.digest}.json")

    def get_canonical(self, key: CacheKey) -> Canonical | None:
        """The stored (parameters, processors), checked again (``_schema.check``), or None."""
        path = self._entry_file(key)
        try:
            with open(path, "rb") as fh:
                data = json.loads(fh.read())
        except (OSError, ValueError):
            return None  # missing, unreadable or torn: a miss; the next store replaces it
        if not isinstance(data, dict) or data.get("key") != key.digest:
            return None
        result = data.get("result")
        if not isinstance(result, dict):
            return None
        try:
            return _schema.check(result.get("parameters"), result.get("processors"), source=path)
        except SchemaViolation:
            return None

    def get(self, key: CacheKey) -> ExtractionResult | None:
        found = self.get_canonical(key)
        return None if found is None else _classes(found)

    def put(self, key: CacheKey, result: ExtractionResult) -> Path:
        data = result.to_json()
        self.put_canonical(key, (data["parameters"], data["processors"]))
        return self.entry_path(key)

    def put_canonical(self, key: CacheKey, found: Canonical) -> None:
        """Store checked dicts (the printed view first: the entry is what makes it a hit)."""
        parameters, processors = found
        payload = {"key": key.digest, "library_sha256": key.library_sha256,
                   "tool_version": self.tool_version,
                   "result": {"parameters": parameters, "processors": processors}}
        write_atomic(os.path.join(self._root, "printed", f"{key.digest}.json"),
                     json_text(parameters))
        write_atomic(self._entry_file(key), json.dumps(payload, separators=(",", ":")))


def _classes(found: Canonical) -> ExtractionResult:
    from wavecraft_build.metadata import from_canonical  # dataclasses: ~7 ms, not for --json

    return from_canonical(*found)


def discover_canonical(
    lib: Path | str,
    *,
    features: Sequence[str],
    target: str,
    timeout: float,
    cache: ParamCache | None,
    child: Child | None = None,
) -> tuple[Canonical, bool]:
    """Parameters of ``lib`` as checked dicts: from the cache when its content key is known,
    else extracted (and then stored). Returns (found, cache_hit); a failure stores nothing.

    ``child`` is a pre-started extraction child; a cache hit leaves it unused. ``extract
    --json`` prints these dicts as they are; ``discover`` turns them into the classes.
    """
    from wavecraft_build.extract import decode_canonical, require_library, run_child

    require_library(lib)
    key = None if cache is None else cache.key(lib, features=features, target=target)
    if cache is not None and key is not None:
        found = cache.get_canonical(key)
        if found is not None:
            return found, True
    found = decode_canonical(run_child(lib, timeout=timeout, child=child), lib)
    if cache is not None and key is not None:
        cache.put_canonical(key, found)
    return found, False


def discover(
    lib: Path | str,
    *,
    features: Sequence[str],
    target: str,
    timeout: float,
    cache: ParamCache | None,
    child: Child | None = None,
) -> tuple[ExtractionResult, bool]:
    """``discover_canonical`` as the metadata classes: the read-through every command uses."""
    found, hit = discover_canonical(lib, features=features, target=target, timeout=timeout,
                                    cache=cache, child=child)
    return _classes(found), hit
