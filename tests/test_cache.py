"""The content-addressed cache: keys, the stat fast path, atomicity, concurrency."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import build_fixture

from wavecraft_build.cache import ParamCache
from wavecraft_build.cargo import host_triple
from wavecraft_build.pipeline import discover

FEATURES = ("_param-discovery",)


def _discover(lib: Path, cache: ParamCache, features: tuple[str, ...] = FEATURES):  # type: ignore[no-untyped-def]
    return discover(lib, features=features, target=host_triple(), timeout=10, cache=cache)


def test_a_hit_never_spawns_a_child(
    fixture_lib: Path, param_cache: ParamCache, fixture_mode: pytest.MonkeyPatch
) -> None:
    first, hit = _discover(fixture_lib, param_cache)
    assert not hit
    # Were a child spawned now, it would crash: the hit proves no plugin code ran.
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "segv")
    second, hit = _discover(fixture_lib, param_cache)
    assert hit and second == first


def test_stat_fast_path_skips_hashing(
    fixture_lib: Path, param_cache: ParamCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    _discover(fixture_lib, param_cache)

    def no_hashing(*_: object, **__: object) -> None:
        raise AssertionError("the library was hashed on a stat hit")

    monkeypatch.setattr(hashlib, "file_digest", no_hashing)
    assert _discover(fixture_lib, param_cache)[1]


def test_touched_library_is_rehashed_and_still_hits(
    fixture_lib: Path, param_cache: ParamCache, tmp_path: Path
) -> None:
    lib = tmp_path / fixture_lib.name
    shutil.copy2(fixture_lib, lib)
    _discover(lib, param_cache)
    os.utime(lib, ns=(1, 1))
    assert _discover(lib, param_cache)[1]  # same bytes, same key


def test_key_covers_features_target_and_tool_version(
    fixture_lib: Path, param_cache: ParamCache, tmp_path: Path
) -> None:
    base = param_cache.key(fixture_lib, features=FEATURES, target="x86_64-unknown-linux-gnu")
    assert base != param_cache.key(fixture_lib, features=(*FEATURES, "extra-param"),
                                   target="x86_64-unknown-linux-gnu")
    assert base != param_cache.key(fixture_lib, features=FEATURES, target="aarch64-apple-darwin")
    newer = ParamCache(param_cache.root, tool_version="99.0")
    assert base != newer.key(fixture_lib, features=FEATURES, target="x86_64-unknown-linux-gnu")
    # Feature order is not part of the identity.
    assert param_cache.key(fixture_lib, features=("a", "b"), target="t") == param_cache.key(
        fixture_lib, features=("b", "a"), target="t"
    )


def test_build_with_other_features_is_not_served_old_parameters(
    cargo_target_dir: Path, param_cache: ParamCache
) -> None:
    # Same target dir, same artifact path: only the features differ between the builds.
    target = cargo_target_dir / "fixtures-features"
    plain = build_fixture(target)
    plain_result, _ = _discover(plain.artifact, param_cache, plain.features)
    extra = build_fixture(target, features=("_param-discovery", "extra-param"))
    assert extra.artifact == plain.artifact
    extra_result, hit = _discover(extra.artifact, param_cache, extra.features)
    assert not hit
    assert "extra_mix" in extra_result.ids and "extra_mix" not in plain_result.ids
    again = build_fixture(target)
    back, _ = _discover(again.artifact, param_cache, again.features)
    assert back.ids == plain_result.ids


def test_corrupt_or_torn_entries_are_misses(fixture_lib: Path, param_cache: ParamCache) -> None:
    result, _ = _discover(fixture_lib, param_cache)
    key = param_cache.key(fixture_lib, features=FEATURES, target=host_triple())
    entry = param_cache.entry_path(key)
    for bad in (b"", b'{"key": "', b"[]", json.dumps({"key": key.digest, "result": 3}).encode(),
                json.dumps({"key": "other", "result": result.to_json()}).encode()):
        entry.write_bytes(bad)
        again, hit = _discover(fixture_lib, param_cache)
        assert not hit and again == result
        assert param_cache.get(key) == result  # the store repaired it


def test_stale_temp_files_are_never_read(fixture_lib: Path, param_cache: ParamCache) -> None:
    key = param_cache.key(fixture_lib, features=FEATURES, target=host_triple())
    entry = param_cache.entry_path(key)
    entry.parent.mkdir(parents=True, exist_ok=True)
    # What a process killed mid-write leaves behind: a temp file next to the entry.
    (entry.parent / f".{entry.name}.abc123.tmp").write_text('{"key": "' + key.digest)
    assert param_cache.get(key) is None
    assert not _discover(fixture_lib, param_cache)[1]


def test_concurrent_processes_share_one_cache(fixture_lib: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared-cache"
    env = {**os.environ, "WAVECRAFT_CACHE_DIR": str(cache_dir)}
    env.pop("WAVECRAFT_FIXTURE_MODE", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "wavecraft_build.cli", "extract", str(fixture_lib), "--json"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outputs]
    parsed = [json.loads(o[0]) for o in outputs]
    assert all(x == parsed[0] for x in parsed)
    entries = list((cache_dir / "entries").iterdir())
    assert [e.name for e in entries if e.name.endswith(".json")] == [entries[0].name]
    assert not [e for e in entries if e.name.endswith(".tmp")]


def test_default_cache_folder_is_platformdirs(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    import platformdirs

    from wavecraft_build.cache import default_cache_dir

    monkeypatch.delenv("WAVECRAFT_CACHE_DIR")
    for xdg in (None, str(tmp_path / "xdg"), "relative/ignored"):
        if xdg is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        expected = Path(platformdirs.user_cache_dir("wavecraft-build", appauthor=False))
        assert default_cache_dir() == expected, xdg
    monkeypatch.setenv("WAVECRAFT_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
