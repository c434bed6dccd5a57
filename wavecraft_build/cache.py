"""Content-addressed cache of validated extraction results.

Key = sha256 over (library bytes hash, sorted feature set, target triple, tool version,
cache format). Hashing a large debug library costs milliseconds, so a stat record
(size, mtime_ns, inode, device -> sha256) lets a hit skip hashing entirely; any change
to those four fields falls back to hashing. Entries are written with ``write_atomic``
(temp file + fsync + rename), so readers see a whole entry or none, and two processes
storing the same key at once simply both rename complete files. A corrupt or foreign
entry is treated as a miss, never as data. A hit never spawns a process.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wavecraft_build import __version__
from wavecraft_build._fs import write_atomic
from wavecraft_build.errors import SchemaViolation
from wavecraft_build.metadata import ExtractionResult

__all__ = ["CacheKey", "ParamCache", "default_cache_dir"]

_FORMAT = 1


def default_cache_dir() -> Path:
    env = os.environ.get("WAVECRAFT_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wavecraft-build"


@dataclass(frozen=True)
class CacheKey:
    digest: str
    library_sha256: str


class ParamCache:
    """Cache rooted at ``root``: ``entries/<key>.json`` and ``stat/<path-hash>.json``."""

    def __init__(self, root: Path, *, tool_version: str = __version__):
        self.root = root
        self.tool_version = tool_version
        self._entries = root / "entries"
        self._stats = root / "stat"

    # -- keys ---------------------------------------------------------------------------

    def _stat_file(self, lib: Path) -> Path:
        return self._stats / (hashlib.sha256(os.fsencode(lib)).hexdigest()[:32] + ".json")

    def library_hash(self, lib: Path) -> str:
        """sha256 of ``lib``'s bytes, via the stat fast path when nothing changed."""
        lib = lib.resolve()
        st = lib.stat()
        fingerprint = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]
        record = self._stat_file(lib)
        try:
            stored = json.loads(record.read_bytes())
            if stored.get("stat") == fingerprint and isinstance(stored.get("sha256"), str):
                return str(stored["sha256"])
        except (OSError, ValueError):
            pass
        with lib.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        write_atomic(record, json.dumps({"path": str(lib), "stat": fingerprint, "sha256": digest}))
        return digest

    def key(self, lib: Path, *, features: Sequence[str], target: str) -> CacheKey:
        lib_sha = self.library_hash(lib)
        material = "\0".join(
            [f"format={_FORMAT}", lib_sha, ",".join(sorted(features)), target, self.tool_version]
        )
        return CacheKey(hashlib.sha256(material.encode()).hexdigest(), lib_sha)

    # -- entries ------------------------------------------------------------------------

    def entry_path(self, key: CacheKey) -> Path:
        return self._entries / f"{key.digest}.json"

    def get(self, key: CacheKey) -> ExtractionResult | None:
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
        path = self.entry_path(key)
        payload = {"key": key.digest, "library_sha256": key.library_sha256,
                   "tool_version": self.tool_version, "result": result.to_json()}
        write_atomic(path, json.dumps(payload, separators=(",", ":")))
        return path
