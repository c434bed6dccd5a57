"""Session fixtures for releases: the std-only fixture crate (fast) and a fresh scaffold (slow).

``fixture_release_project`` copies tests/crates/fixture-plugin into a tmp folder (a release
writes .wavecraft/ state and Python bindings into the project, never into the repo) and
returns a factory of fresh copies. ``released_template`` scaffolds a new plugin with
``wavecraft-build new``'s code and releases it once for the whole session (bundles, wheel,
install into a tmp HOME), in the shared cargo target dir so nice-plug compiles once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wavecraft_build.config import ProjectConfig, load_project
from wavecraft_build.release import MANIFEST_NAME, ReleaseOptions, ReleaseReport, release
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

__all__ = [
    "RELEASE_TEMPLATE_NAME",
    "ReleasedTemplate",
    "check_manifest",
    "fixture_release_project",
    "release_target_env",
    "released_template",
    "sha256_of",
]

RELEASE_TEMPLATE_NAME = "Rel-Synth"
_FIXTURE_CRATE = Path(__file__).resolve().parent / "crates" / "fixture-plugin"


@dataclass(frozen=True)
class ReleasedTemplate:
    project: ProjectConfig
    report: ReleaseReport
    home: Path
    seconds: float


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_manifest(out: Path) -> dict[str, object]:
    """The release folder's manifest lists exactly its files, each with its sha256."""
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    files = manifest["files"]
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted([*files, MANIFEST_NAME]) == on_disk
    for rel, digest in files.items():
        assert sha256_of(out / rel) == digest, rel
    return dict(manifest)


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


@pytest.fixture
def release_target_env(cargo_target_dir: Path) -> Iterator[Path]:
    """CARGO_TARGET_DIR for one test: the pipeline's discovery build reads it from env."""
    with _env("CARGO_TARGET_DIR", str(cargo_target_dir)):
        yield cargo_target_dir


@pytest.fixture(scope="session")
def _fixture_release_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This session's own target dir for fixture releases (the std-only crate builds in a
    second or two). Not the shared one: the tests edit and rebuild, cargo decides freshness
    by mtime, and another test session building a copy there could stand in for ours."""
    return tmp_path_factory.mktemp("fixtures-release-target")


@pytest.fixture
def fixture_release_project(
    tmp_path: Path, _fixture_release_target: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], ProjectConfig]:
    """A factory of fresh copies of the fixture crate, built into one target dir per session."""
    monkeypatch.setenv("CARGO_TARGET_DIR", str(_fixture_release_target))
    monkeypatch.delenv("WAVECRAFT_FIXTURE_MODE", raising=False)
    monkeypatch.delenv("WAVECRAFT_FIXTURE_CHAIN", raising=False)
    count = 0

    def make() -> ProjectConfig:
        nonlocal count
        count += 1
        dest = tmp_path / f"fixture-{count}"
        # copyfile, not copy2: fresh mtimes. Every copy is its own workspace root, so cargo
        # gives all of them the same fingerprint in the shared target dir and decides
        # freshness by mtime; the repo's old mtimes would make it reuse another copy's build.
        shutil.copytree(_FIXTURE_CRATE, dest, ignore=shutil.ignore_patterns("target"),
                        copy_function=shutil.copyfile)
        return load_project(dest)

    return make


@pytest.fixture(scope="session")
def released_template(
    tmp_path_factory: pytest.TempPathFactory, cargo_target_dir: Path
) -> ReleasedTemplate:
    root = tmp_path_factory.mktemp("released")
    result = scaffold(
        ScaffoldOptions(name=RELEASE_TEMPLATE_NAME, directory=root / "rel-synth", git=False)
    )
    home = root / "home"
    (home / ".vst3" / "Other.vst3").mkdir(parents=True)
    (home / ".vst3" / "Other.vst3" / "keep.txt").write_text("not ours\n")
    (home / ".clap").mkdir()
    (home / ".clap" / "other.clap").write_bytes(b"not ours")
    project = load_project(result.project_dir)
    start = time.monotonic()
    with _env("CARGO_TARGET_DIR", str(cargo_target_dir)):
        report = release(
            project,
            # Without the editor: these bundles and the wheel are one compile (the editor's
            # own release is `released_editor`, fixtures_editor.py).
            ReleaseOptions(ui=False, install=True, home=home, out_dir=root / "bundled",
                           editor=False),
        )
    return ReleasedTemplate(
        project=project, report=report, home=home, seconds=time.monotonic() - start
    )
