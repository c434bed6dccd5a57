"""Shared pytest fixtures: one cargo target dir for the session, built fixture libraries.

Real cargo builds, real child processes: the fixture crates under ``tests/crates/`` are
std-only and build in about a second; the template (nice-plug) builds once per target dir.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wavecraft_build import cargo
from wavecraft_build.cache import ParamCache

REPO = Path(__file__).resolve().parent.parent
CRATES = Path(__file__).resolve().parent / "crates"

pytest_plugins = [
    name
    for name in ("fixtures_template", "fixtures_ts", "fixtures_release", "fixtures_validators")
    if (Path(__file__).parent / f"{name}.py").is_file()
]


@pytest.fixture(scope="session")
def cargo_target_dir() -> Path:
    """One CARGO_TARGET_DIR for the whole session (and across runs) so crates compile once."""
    path = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never read or write the developer's real cache from tests."""
    old = os.environ.get("WAVECRAFT_CACHE_DIR")
    os.environ["WAVECRAFT_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if old is None:
        os.environ.pop("WAVECRAFT_CACHE_DIR", None)
    else:
        os.environ["WAVECRAFT_CACHE_DIR"] = old


def build_fixture(
    target_dir: Path, *, features: tuple[str, ...] = (cargo.DISCOVERY_FEATURE,)
) -> cargo.BuildResult:
    """Build tests/crates/fixture-plugin with ``features`` into ``target_dir``."""
    return cargo.build(
        cargo.BuildRequest(
            manifest=CRATES / "fixture-plugin" / "Cargo.toml",
            features=features,
            target_dir=target_dir,
        )
    )


@pytest.fixture(scope="session")
def fixture_build(cargo_target_dir: Path) -> cargo.BuildResult:
    return build_fixture(cargo_target_dir / "fixtures")


@pytest.fixture(scope="session")
def fixture_lib(fixture_build: cargo.BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture plugin's discovery cdylib, copied so no later build can change it."""
    dest = tmp_path_factory.mktemp("fixture-lib") / fixture_build.artifact.name
    shutil.copy2(fixture_build.artifact, dest)
    return dest


@pytest.fixture
def param_cache(tmp_path: Path) -> ParamCache:
    return ParamCache(tmp_path / "cache")


@pytest.fixture
def fixture_mode(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Set WAVECRAFT_FIXTURE_MODE / _CHAIN for the extraction child (it inherits the env)."""
    monkeypatch.delenv("WAVECRAFT_FIXTURE_MODE", raising=False)
    monkeypatch.delenv("WAVECRAFT_FIXTURE_CHAIN", raising=False)
    return monkeypatch


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` with its bytes: compare before/after to prove nothing changed."""
    if not root.exists():
        return {}
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def live_processes(
    match: Callable[[list[bytes]], bool], *, cwd_under: Path | None = None
) -> list[int]:
    """PIDs of live (non-zombie) processes whose argv satisfies ``match`` or whose working
    folder is below ``cwd_under`` (cargo runs build scripts there), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if state == "Z":
            continue
        if match(argv) or (cwd_under is not None and _cwd_is_under(entry, cwd_under)):
            found.append(int(entry.name))
    return found


def _cwd_is_under(proc: Path, root: Path) -> bool:
    try:
        return (proc / "cwd").readlink().is_relative_to(root)
    except OSError:
        return False


def wait_for(predicate: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
