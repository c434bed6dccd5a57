"""The release manifest (``manifest.json``: names, git commit, sha256 of every file) and the
check that lets a release with unchanged bundles leave the published files untouched."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from wavecraft_build import __version__
from wavecraft_build.cache import ParamCache
from wavecraft_build.release import bundle
from wavecraft_build.release.context import MANIFEST_NAME, ReleaseContext

__all__ = [
    "MANIFEST_NAME",
    "MANIFEST_SCHEMA",
    "already_published",
    "manifest_data",
    "planned_files",
    "read_manifest",
    "source_date_epoch",
]

MANIFEST_SCHEMA = 1

REPRODUCIBILITY_NOTE = (
    "Bundle files are staged with fixed modes and mtimes (SOURCE_DATE_EPOCH, else "
    "1980-01-01), so their hashes are the library's hash. Rebuilding the same source with "
    "the same toolchain, features, project path and target dir gives byte-identical "
    "bundles and wheel (measured: touching a source and rebuilding reproduces every hash). "
    "A different project path or toolchain changes the library: cargo and rustc hash the "
    "package's path and embed source paths (RUSTFLAGS=--remap-path-prefix is a user "
    "choice). The wheel's library is maturin's own build of the crate (cargo rustc "
    "--crate-type cdylib), so its hash differs from the bundles' by design."
)


def source_date_epoch() -> int:
    text = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(text) if text.isdigit() else bundle.DEFAULT_EPOCH


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of the release in ``out``, or None when there is no readable one."""
    try:
        data = json.loads((out / MANIFEST_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def planned_files(
    bundles: tuple[bundle.Bundle, ...], cache: ParamCache | None
) -> dict[str, tuple[str, int]]:
    """sha256 and size of every bundle file, without copying (the library's hash comes from
    the cache's stat fast path, already computed by the parameter check)."""
    out: dict[str, tuple[str, int]] = {}
    for entry in bundles:
        for rel, source in entry.files.items():
            if isinstance(source, bytes):
                out[rel] = (hashlib.sha256(source).hexdigest(), len(source))
            else:
                sha = cache.library_hash(source) if cache else bundle.hash_file(source)
                out[rel] = (sha, source.stat().st_size)
    return dict(sorted(out.items()))


def already_published(out: Path, planned: dict[str, tuple[str, int]]) -> bool:
    """True when ``out`` holds exactly these bundle files, as a previous release wrote them.

    Trusts the previous manifest plus each file's size and fixed mtime (a release sets it
    to SOURCE_DATE_EPOCH); any doubt means a full re-stage.
    """
    old = read_manifest(out)
    wanted = {rel: sha for rel, (sha, _size) in planned.items()}
    if old is None or old.get("wheel") is not None or old.get("files") != wanted:
        return False
    epoch = source_date_epoch()
    for rel, (_sha, size) in planned.items():
        try:
            st = (out / rel).stat()
        except OSError:
            return False
        if st.st_size != size or int(st.st_mtime) != epoch:
            return False
    return True


def manifest_data(ctx: ReleaseContext, git: dict[str, Any] | None) -> dict[str, Any]:
    assert ctx.released is not None
    ident = ctx.identity
    return {
        "schema": MANIFEST_SCHEMA,
        "name": ident.name,
        "version": ident.version,
        "crate": ident.crate,
        "lib_name": ident.lib_name,
        "bundle_id": ident.identifier,
        "tool": {"name": "wavecraft-build", "version": __version__},
        "git": git,
        "target": ctx.bundle_build.target,
        # --dev-editor bundles are a debug build with the editor feature: say so.
        "profile": "release" if ctx.bundle_build.release else "debug",
        "features": list(ctx.bundle_build.features),
        # Whether the React app is the bundles' editor (false: --no-editor, no WebKitGTK...).
        "editor": ctx.editor is not None,
        "parameters": list(ctx.released.ids),
        "bundles": {fmt: path.name for fmt, path in ctx.entries.items()},
        "wheel": ctx.wheel.name if ctx.wheel else None,
        "files": ctx.files,
        "tests": ctx.tests,
        "source_date_epoch": source_date_epoch(),
        "reproducibility": REPRODUCIBILITY_NOTE,
    }
