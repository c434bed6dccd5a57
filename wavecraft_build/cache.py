"""Content-addressed cache of validated extraction results.

Key = sha256 over (library bytes hash, sorted feature set, target triple, tool version,
cache format); the scheme is defined once in ``_fastpath``. Hashing a large debug library
costs milliseconds, so a stat record (size, mtime_ns, inode, device -> sha256) lets a hit
skip hashing entirely; any change to those four fields falls back to hashing. Entries are
written with ``write_atomic`` (temp file + fsync + rename), so readers see a whole entry or
none, and two processes storing the same key at once simply both rename complete files. A
corrupt or foreign entry is treated as a miss, never as data. A hit never spawns a process.

``discover`` is the read-through every command uses: the cache, else the isolated
extraction child (whose result is then stored).

Next to each entry, ``printed/<key>.json`` holds exactly what ``extract --json`` prints, so
the CLI's fast path answers a hit without parsing anything; ``printed`` and
``put_canonical`` let the CLI's cold ``extract --json`` read through the cache on the
canonical dicts, without the metadata classes (this module imports neither ``dataclasses``
nor ``metadata`` at the top for that reason).
"""

from __future__ import annotations

import json
import os

from wavecraft_build import __version__, _fastpath
from wavecraft_build._fs import write_atomic
from wavecraft_build._output import json_text
from wavecraft_build.errors import SchemaViolation

TYPE_CHECKING = False  # typing costs ~4 ms on the CLI's cold path
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from wavecraft_build.extract import Child
    from wavecraft_build.metadata import ExtractionResult

__all__ = ["CacheKey", "ParamCache", "default_cache_dir", "discover"]


def default_cache_dir() -> Path:
    """``$WAVECRAFT_CACHE_DIR``, else the platform's user cache folder (platformdirs)."""
    from pathlib import Path

    return Path(_fastpath.cache_root())


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

    Works on ``str`` paths inside (the CLI's cold path does not import pathlib); accepts
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
        record = _fastpath.stat_record_path(self._root, real)
        known = _fastpath.read_stat_record(record, st)
        if known is not None:
            return known
        import hashlib

        with open(real, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        write_atomic(record, _fastpath.stat_record(st, digest))
        return digest

    def key(self, lib: Path | str, *, features: Sequence[str], target: str) -> CacheKey:
        lib_sha = self.library_hash(lib)
        digest = _fastpath.entry_digest(lib_sha, tuple(features), target, self.tool_version)
        return CacheKey(digest, lib_sha)

    # -- entries ------------------------------------------------------------------------

    def entry_path(self, key: CacheKey) -> Path:
        from pathlib import Path

        return Path(self._entry_file(key))

    def _entry_file(self, key: CacheKey) -> str:
        return os.path.join(self._root, "entries", f"{key.digest}.json")

    def get(self, key: CacheKey) -> ExtractionResult | None:
        from wavecraft_build.metadata import ExtractionResult

        path = self.entry_path(key)
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # unreadable or torn: a miss; the next store replaces it
        if not isinstance(data, dict) or data.get("key") != key.digest:
            return None
        try:
            return ExtractionResult.from_json(data.get("result"), source=path)
        except SchemaViolation:
            return None

    def printed(self, key: CacheKey) -> bytes | None:
        """What ``extract --json`` printed for this entry, or None (a miss)."""
        return _fastpath.read_printed(self._root, key.digest)

    def put(self, key: CacheKey, result: ExtractionResult) -> Path:
        """Store ``result`` (the printed view first: the entry is what makes it a hit)."""
        data = result.to_json()
        self.put_canonical(key, data["parameters"], data["processors"])
        return self.entry_path(key)

    def put_canonical(self, key: CacheKey, parameters: list[dict[str, Any]],
                      processors: list[dict[str, Any]]) -> str:
        """Store checked canonical dicts (``_schema.check``'s result), as ``put`` does."""
        path = self._entry_file(key)
        payload = {"key": key.digest, "library_sha256": key.library_sha256,
                   "tool_version": self.tool_version,
                   "result": {"parameters": parameters, "processors": processors}}
        write_atomic(_fastpath.printed_path(self._root, key.digest), json_text(parameters))
        write_atomic(path, json.dumps(payload, separators=(",", ":")))
        return path


def discover(
    lib: Path,
    *,
    features: Sequence[str],
    target: str,
    timeout: float,
    cache: ParamCache | None,
    child: Child | None = None,
) -> tuple[ExtractionResult, bool]:
    """Parameters of ``lib``: from the cache when its content key is known, else extracted.

    Returns (result, cache_hit). A failed extraction stores nothing. ``child`` is a
    pre-started extraction child; a cache hit leaves it unused for next time.
    """
    from wavecraft_build.extract import extract_params, require_library

    require_library(lib)
    if cache is None:
        return extract_params(lib, timeout=timeout, child=child), False
    key = cache.key(lib, features=features, target=target)
    hit = cache.get(key)
    if hit is not None:
        return hit, True
    result = extract_params(lib, timeout=timeout, child=child)
    cache.put(key, result)
    return result, False
