"""Shared pytest fixtures: one cargo target dir for the session, built fixture libraries.

Real cargo builds, real child processes: the fixture crates under ``tests/crates/`` are
std-only and build in about a second; the template (nice-plug) builds once per target dir.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import REPO, build_fixture

from wavecraft_build import cargo
from wavecraft_build.cache import ParamCache
from wavecraft_build.extract import extract_params
from wavecraft_build.metadata import ExtractionResult

pytest_plugins = [
    name
    for name in (
        "required_tools",
        "fixtures_template",
        "fixtures_ts",
        "fixtures_release",
        "fixtures_validators",
        "fixtures_fresh",
        "fixtures_instrument",
        "xtools",
        "fixtures_editor",  # before fixtures_hosts, which imports it
        "fixtures_hosts",
    )
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


@pytest.fixture
def mode_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file the fixture DSP reads its misbehaviour from when an instance is created: a
    test rewrites it between swaps of a running engine (``WAVECRAFT_FIXTURE_MODE_FILE``)."""
    path = tmp_path / "fixture-mode"
    path.write_text("")
    monkeypatch.setenv("WAVECRAFT_FIXTURE_MODE_FILE", str(path))
    monkeypatch.delenv("WAVECRAFT_FIXTURE_MODE", raising=False)
    return path


@pytest.fixture
def params(fixture_lib: Path, mode_file: Path) -> ExtractionResult:
    """The fixture plugin's parameters, read with the mode file in place."""
    return extract_params(fixture_lib)
