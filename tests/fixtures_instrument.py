"""Session fixture: the instrument template, scaffolded and released once per session.

``released_instrument`` runs ``wavecraft-build new --template instrument``'s code and one
``release`` (the project's own tests, the release build, VST3 + CLAP bundles; no UI and
no wheel, which the effect's release already covers) in the shared cargo target dir, so
nice-plug's release build is the one the effect template made: only the instrument's own
crate compiles. Every instrument test shares this one build (CI time).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures_release import _env
from fixtures_template import cargo_cdylib

from wavecraft_build.config import ProjectConfig, load_project
from wavecraft_build.release import ReleaseOptions, ReleaseReport, release
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

__all__ = ["INSTRUMENT_NAME", "ReleasedInstrument", "released_instrument"]

INSTRUMENT_NAME = "Note-Synth"


@dataclass(frozen=True)
class ReleasedInstrument:
    project: ProjectConfig
    report: ReleaseReport
    #: The discovery build the release made (the Python runtime loads it).
    discovery_lib: Path
    seconds: float


@pytest.fixture(scope="session")
def released_instrument(
    tmp_path_factory: pytest.TempPathFactory, cargo_target_dir: Path
) -> ReleasedInstrument:
    root = tmp_path_factory.mktemp("instrument")
    result = scaffold(ScaffoldOptions(name=INSTRUMENT_NAME, directory=root / "note-synth",
                                      git=False, template="instrument"))
    project = load_project(result.project_dir)
    start = time.monotonic()
    with _env("CARGO_TARGET_DIR", str(cargo_target_dir)):
        report = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=root / "out"))
    seconds = time.monotonic() - start
    # The release built it already: cargo only reports the artifact. A copy, so no later
    # build can change it under the tests.
    built = cargo_cdylib(project.engine, ["--lib", "--features", "_param-discovery"],
                         cargo_target_dir)
    discovery = root / built.name
    shutil.copy2(built, discovery)
    return ReleasedInstrument(project=project, report=report, discovery_lib=discovery,
                              seconds=seconds)
