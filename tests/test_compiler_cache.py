"""The compiler cache (sccache) against real cargo, a real sccache server and a real Redis.

Every test runs its own sccache server (own port, own SCCACHE_DIR) and, where it needs one,
its own redis-server on a free loopback port; both are stopped after. The fast tests build
a tiny three-crate project written here (two rlib dependencies: what sccache caches, and
a cdylib: what it never does); the template test builds the real scaffold (slow).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cache_servers import free_port, redis_server, sccache_env, sccache_server
from wavecraft_build import cargo, compiler_cache
from wavecraft_build._proc import run
from wavecraft_build.config import load_project
from wavecraft_build.doctor import check_sccache
from wavecraft_build.errors import BuildFailed, ConfigError

_DEP_A = "pub fn a(x: u32) -> u32 { x.wrapping_mul(31) + 7 }\n"
_DEP_B = "pub fn b(x: u32) -> u32 { dep_a::a(x) ^ 0x5a }\n"
_PLUG = '#[no_mangle] pub extern "C" fn f(x: u32) -> u32 { dep_b::b(x) }\n'
# dep_b's build script takes a while, so a test can act between it and dep_b's compile.
_BUILD_RS = "fn main() { std::thread::sleep(std::time::Duration::from_millis(1500)); }\n"


def _crate(root: Path, name: str, src: str, extra: str = "") -> None:
    (root / name / "src").mkdir(parents=True)
    (root / name / "src" / "lib.rs").write_text(src)
    (root / name / "Cargo.toml").write_text(textwrap.dedent(f"""\
        [package]
        name = "{name}"
        version = "0.1.0"
        edition = "2021"
        """) + extra)


def _project(root: Path) -> Path:
    """plug (cdylib) -> dep_b (rlib, slow build.rs) -> dep_a (rlib); returns plug's manifest."""
    _crate(root, "dep_a", _DEP_A)
    _crate(root, "dep_b", _DEP_B, '\n[dependencies]\ndep_a = { path = "../dep_a" }\n')
    (root / "dep_b" / "build.rs").write_text(_BUILD_RS)
    _crate(root, "plug", _PLUG, '\n[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\n'
           'dep_b = { path = "../dep_b" }\n\n[workspace]\n')
    return root / "plug" / "Cargo.toml"


def _request(manifest: Path, target: Path, mode: str = "sccache") -> cargo.BuildRequest:
    # release: no incremental compilation, so the path dependencies are cacheable too.
    return cargo.BuildRequest(manifest=manifest, features=(), release=True, target_dir=target,
                              compiler_cache=mode)


@pytest.fixture(autouse=True)
def _fresh_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the cache's one-per-process notes and its start-up retries again."""
    monkeypatch.setattr(compiler_cache, "_said", set())
    monkeypatch.setattr(compiler_cache, "_down_until", {})


@pytest.fixture
def sccache(tmp_path: Path) -> Iterator[str]:
    with sccache_server(sccache_env(tmp_path)) as exe:
        yield exe


def _requests(exe: str) -> int:
    stats = compiler_cache.read_stats(exe)
    assert stats is not None
    return stats.hits + stats.misses + stats.not_cacheable


def test_second_build_after_clean_hits(sccache: str, tmp_path: Path) -> None:
    manifest, target = _project(tmp_path / "src"), tmp_path / "target"
    first = cargo.build(_request(manifest, target))
    assert first.compiler_cache is not None
    assert (first.compiler_cache.stats.hits, first.compiler_cache.stats.misses) == (0, 2)
    assert first.compiler_cache.stats.not_cacheable >= 1  # the cdylib, the build script
    shutil.rmtree(target)
    second = cargo.build(_request(manifest, target))
    assert second.compiler_cache is not None
    assert (second.compiler_cache.stats.hits, second.compiler_cache.stats.misses) == (2, 0)
    assert "2 hits, 0 misses (100% hit rate)" in second.compiler_cache.summary()
    assert second.artifact.is_file()
    doctor = check_sccache()  # what `wavecraft-build doctor` shows: backend and hit rate
    assert doctor.ok and "hit rate 50% (2 hits, 2 misses)" in doctor.detail
    assert f'Local disk: "{tmp_path / "sccache"}"' in doctor.detail


def test_plain_cargo_reuses_what_cargo_build_stored(sccache: str, tmp_path: Path) -> None:
    """The rustc flags of our cargo.build equal a plain `cargo build`'s (and maturin's), so a
    release build's entries serve the wheel's build and the user's own cargo runs."""
    manifest = _project(tmp_path / "src")
    cargo.build(_request(manifest, tmp_path / "ours"))
    before = compiler_cache.read_stats(sccache)
    env = {**os.environ, "RUSTC_WRAPPER": sccache}
    done = run([cargo.cargo_executable(), "build", "--release", "--lib", "--target-dir",
                str(tmp_path / "theirs")], cwd=manifest.parent, env=env, timeout=600)
    assert done.ok, done.stderr
    after = compiler_cache.read_stats(sccache)
    assert before is not None and after is not None
    delta = after.minus(before)
    assert (delta.hits, delta.misses) == (2, 0)


def test_concurrent_builds_share_one_server(tmp_path: Path) -> None:
    """Two projects built at once (say dev and release) with no server running yet: both
    start it or find it started, both compile through it, neither fails."""
    manifests = [_project(tmp_path / f"p{i}") for i in range(2)]
    results: list[cargo.BuildResult] = []
    errors: list[BaseException] = []

    def build(manifest: Path, target: Path) -> None:
        try:
            results.append(cargo.build(_request(manifest, target)))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    with sccache_server(sccache_env(tmp_path)) as exe:
        threads = [threading.Thread(target=build, args=(m, m.parent.parent / "target"))
                   for m in manifests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        total = compiler_cache.read_stats(exe)
    assert not errors, errors
    assert len(results) == 2 and all(r.compiler_cache is not None for r in results)
    assert total is not None and total.hits + total.misses == 4  # 2 rlibs per project


def test_cache_off_means_no_wrapper(
    sccache: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _project(tmp_path / "src")
    assert compiler_cache.prepare("none").env is None
    compiler_cache.prepare("sccache")  # the server runs, so its counters can be read
    before = _requests(sccache)
    built = cargo.build(_request(manifest, tmp_path / "t1", mode="none"))
    assert built.compiler_cache is None
    monkeypatch.setenv(compiler_cache.ENV_MODE, "none")  # the environment beats the config
    built = cargo.build(_request(manifest, tmp_path / "t2", mode="sccache"))
    assert built.compiler_cache is None
    assert _requests(sccache) == before


def test_user_rustc_wrapper_is_kept(
    sccache: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "wrapper.log"
    wrapper = tmp_path / "log-rustc"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    compiler_cache.prepare("sccache")
    before = _requests(sccache)
    monkeypatch.setenv("RUSTC_WRAPPER", str(wrapper))
    built = cargo.build(_request(_project(tmp_path / "src"), tmp_path / "target"))
    assert built.compiler_cache is None
    assert "--crate-name dep_a" in log.read_text()  # the user's wrapper ran rustc
    assert _requests(sccache) == before  # ...and sccache did not wrap it again
    err = capfd.readouterr().err
    assert err.count(f"keeping your RUSTC_WRAPPER={wrapper}") == 1


def test_unreachable_redis_falls_back_with_one_warning(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}"
    with sccache_server(sccache_env(tmp_path, redis=dead)):
        manifest = _project(tmp_path / "src")
        first = cargo.build(_request(manifest, tmp_path / "t1"))
        second = cargo.build(_request(manifest, tmp_path / "t2"))
    assert first.artifact.is_file() and second.artifact.is_file()
    assert first.compiler_cache is None and second.compiler_cache is None
    warnings = [ln for ln in capfd.readouterr().err.splitlines() if "warning" in ln]
    assert len(warnings) == 1, warnings
    assert "compiler cache off" in warnings[0] and "unreachable" in warnings[0]


def test_server_that_cannot_start_is_not_waited_for_twice(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    env = sccache_env(tmp_path)
    env["SCCACHE_ERROR_LOG"] = str(tmp_path / "missing-folder" / "log")  # the server dies
    with sccache_server(env):
        manifest = _project(tmp_path / "src")
        first = cargo.build(_request(manifest, tmp_path / "t1"))
        start = time.monotonic()
        second = cargo.build(_request(manifest, tmp_path / "t2"))
        second_s = time.monotonic() - start
    assert first.compiler_cache is None and second.compiler_cache is None
    assert second.artifact.is_file()
    warnings = [ln for ln in capfd.readouterr().err.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "compiler cache off for this build" in warnings[0], warnings
    assert second_s < 8, "the dev loop would wait out sccache's 10 s start-up on every build"


def test_unwritable_disk_cache_builds_with_one_warning(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A disk cache that cannot be written (here: its folder would be below a regular file,
    as good as a full disk for sccache) costs a warning, never the build."""
    (tmp_path / "a-file").write_text("")
    env = sccache_env(tmp_path)
    env["SCCACHE_DIR"] = str(tmp_path / "a-file" / "sccache")
    with sccache_server(env):
        built = cargo.build(_request(_project(tmp_path / "src"), tmp_path / "target"))
    assert built.artifact.is_file()
    assert built.compiler_cache is not None and built.compiler_cache.stats.errors > 0
    warnings = [ln for ln in capfd.readouterr().err.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "errors during this build" in warnings[0], warnings


def test_redis_stopped_during_the_build(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    manifest = _project(tmp_path / "src")
    with redis_server(tmp_path / "redis") as (url, redis), \
            sccache_server(sccache_env(tmp_path, redis=url)):

        def stop_redis_before_dep_b(msg: dict[str, Any]) -> None:
            # dep_b's build script was just compiled; it runs 1.5 s, then dep_b compiles.
            target = msg.get("target") or {}
            if target.get("kind") == ["custom-build"] and redis.poll() is None:
                redis.kill()
                redis.wait(timeout=10)

        built = cargo.build(_request(manifest, tmp_path / "target"),
                            on_line=stop_redis_before_dep_b)
    assert redis.poll() is not None, "the build never reached dep_b's build script"
    assert built.artifact.is_file()
    err = capfd.readouterr().err
    assert "warning: compiler cache off for the rest of this build: Redis at" in err, err


def test_bad_modes_are_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiler_cache.ENV_MODE, "ccache")
    with pytest.raises(ConfigError, match="WAVECRAFT_COMPILER_CACHE must be one of"):
        compiler_cache.prepare("none")
    monkeypatch.delenv(compiler_cache.ENV_MODE)
    shutil.copytree(Path(__file__).parent / "crates" / "fixture-plugin", tmp_path / "engine",
                    ignore=shutil.ignore_patterns("target"))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.wavecraft]\ncompiler-cache = "sccache"\n')
    assert load_project(tmp_path).compiler_cache == "sccache"
    for bad in ('"yes"', "true", '["sccache"]'):
        pyproject.write_text(f"[tool.wavecraft]\ncompiler-cache = {bad}\n")
        with pytest.raises(ConfigError, match="compiler-cache") as info:
            load_project(tmp_path)
        assert info.value.path == pyproject


def test_redis_address_forms() -> None:
    for url, want in (("redis://10.0.0.2:7000", ("10.0.0.2", 7000)),
                      ("rediss://:pw@cache.example:6380/1", ("cache.example", 6380)),
                      ("tcp://127.0.0.1:6379", ("127.0.0.1", 6379)),
                      ("127.0.0.1:6390", ("127.0.0.1", 6390)),
                      ("redis://cache", ("cache", 6379)),
                      ("unix:///tmp/redis.sock", None)):
        assert compiler_cache.redis_address({"SCCACHE_REDIS_ENDPOINT": url}) == want, url
    assert compiler_cache.redis_address({}) is None


def test_sccache_error_is_retried_without_the_wrapper(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """With SCCACHE_IGNORE_SERVER_IO_ERROR=0 (the user's choice) a broken server fails the
    compile with sccache's own error; the build runs once more without sccache."""
    env = sccache_env(tmp_path)
    env["SCCACHE_IGNORE_SERVER_IO_ERROR"] = "0"
    impostor = socket.socket()
    impostor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)

    def hang_up() -> None:  # accepts sccache's clients and closes: no valid response
        with contextlib.suppress(OSError):
            while True:
                impostor.accept()[0].close()

    broken: list[bool] = []
    with sccache_server(env) as exe:

        def break_server(msg: dict[str, Any]) -> None:
            # dep_b's build script was just compiled; it runs 1.5 s, then dep_b compiles.
            target = msg.get("target") or {}
            if target.get("kind") == ["custom-build"] and not broken:
                broken.append(True)
                run([exe, "--stop-server"], timeout=30)
                impostor.bind(("127.0.0.1", int(env["SCCACHE_SERVER_PORT"])))
                impostor.listen()
                threading.Thread(target=hang_up, daemon=True).start()

        try:
            built = cargo.build(_request(_project(tmp_path / "src"), tmp_path / "target"),
                                on_line=break_server)
        finally:
            impostor.close()
    assert built.artifact.is_file()
    err = capfd.readouterr().err
    assert "sccache failed during this build" in err, err


def test_tool_failing_with_sccache_error_runs_again_without_it(
    sccache: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The fallback for tools that run cargo themselves (maturin): BuildFailed whose log shows
    sccache's error -> once more without RUSTC_WRAPPER; any other failure stays a failure."""
    prepared = compiler_cache.prepare("sccache")
    assert prepared.env is not None and prepared.env["RUSTC_WRAPPER"] == sccache
    log = tmp_path / "tool.log"
    seen: list[str | None] = []

    def attempt(env: dict[str, str] | None, _cancel: threading.Event | None) -> str:
        seen.append((env or {}).get("RUSTC_WRAPPER"))
        if len(seen) == 1:
            log.write_text("sccache: error: failed to execute compile\n")
            raise BuildFailed("the tool failed", path=log)
        return "built"

    assert compiler_cache.run_with_fallback(prepared, None, attempt, what="the tool") == "built"
    assert seen == [sccache, None]
    assert "sccache failed during the tool" in capfd.readouterr().err

    def compile_error(env: dict[str, str] | None, _cancel: threading.Event | None) -> str:
        log.write_text("error[E0425]: cannot find value `x` in this scope\n")
        raise BuildFailed("the tool failed", path=log)

    with pytest.raises(BuildFailed):
        compiler_cache.run_with_fallback(prepared, None, compile_error, what="the tool")


@pytest.mark.slow
def test_template_release_rebuild_hits_from_redis(
    tmp_path: Path, cargo_target_dir: Path, template_project: Any
) -> None:
    """A fresh scaffold's clean release build, the target dir deleted, the same build again:
    at least 90% of the cacheable crates come from the shared (Redis) cache."""
    target = cargo_target_dir / "compiler-cache-test"
    shutil.rmtree(target, ignore_errors=True)
    manifest = template_project.engine_dir / "Cargo.toml"
    with redis_server(tmp_path / "redis") as (url, _redis), \
            sccache_server(sccache_env(tmp_path, redis=url)):
        cold = cargo.build(_request(manifest, target))
        shutil.rmtree(target)
        warm = cargo.build(_request(manifest, target))
    shutil.rmtree(target, ignore_errors=True)
    assert cold.compiler_cache is not None and warm.compiler_cache is not None
    cacheable = cold.compiler_cache.stats.misses
    assert cacheable > 50  # nice-plug's dependency tree, compiled and stored
    assert warm.compiler_cache.stats.hits >= 0.9 * cacheable, warm.compiler_cache.summary()
    assert warm.compiler_cache.stats.errors == 0
