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
the CLI's fast path answers a hit without parsing anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wavecraft_build import __version__, _fastpath
from wavecraft_build._fs import write_atomic
from wavecraft_build._output import printed_json
from wavecraft_build.errors import SchemaViolation

if TYPE_CHECKING:
    from wavecraft_build.extract import Child
    from wavecraft_build.metadata import ExtractionResult

__all__ = ["CacheKey", "ParamCache", "default_cache_dir", "discover"]


def default_cache_dir() -> Path:
    """``$WAVECRAFT_CACHE_DIR``, else the platform's user cache folder (platformdirs)."""
    return Path(_fastpath.cache_root())


@dataclass(frozen=True)
class CacheKey:
    digest: str
    library_sha256: str


class ParamCache:
    """Cache rooted at ``root``: ``entries/<key>.json``, ``printed/<key>.json``, ``stat/``."""

    def __init__(self, root: Path, *, tool_version: str = __version__):
        self.root = root
        self.tool_version = tool_version
        self._entries = root / "entries"

    # -- keys ---------------------------------------------------------------------------

    def library_hash(self, lib: Path) -> str:
        """sha256 of ``lib``'s bytes, via the stat fast path when nothing changed."""
        lib = lib.resolve()
        st = lib.stat()
        record = _fastpath.stat_record_path(str(self.root), str(lib))
        known = _fastpath.read_stat_record(record, st)
        if known is not None:
            return known
        import hashlib

        with lib.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        write_atomic(Path(record), _fastpath.stat_record(st, digest))
        return digest

    def key(self, lib: Path, *, features: Sequence[str], target: str) -> CacheKey:
        lib_sha = self.library_hash(lib)
        digest = _fastpath.entry_digest(lib_sha, tuple(features), target, self.tool_version)
        return CacheKey(digest, lib_sha)

    # -- entries ------------------------------------------------------------------------

    def entry_path(self, key: CacheKey) -> Path:
        return self._entries / f"{key.digest}.json"

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

    def put(self, key: CacheKey, result: ExtractionResult) -> Path:
        """Store ``result`` (the printed view first: the entry is what makes it a hit)."""
        path = self.entry_path(key)
        payload = {"key": key.digest, "library_sha256": key.library_sha256,
                   "tool_version": self.tool_version, "result": result.to_json()}
        write_atomic(Path(_fastpath.printed_path(str(self.root), key.digest)),
                     printed_json(result))
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
