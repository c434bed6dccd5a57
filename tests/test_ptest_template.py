"""The plugin tests on the real template (slow: nice-plug, built once per target dir).

A fresh scaffold passes its own ``nox -s test`` suite (the example golden, block-size and
sweep tests, with the golden WAVs the template ships). On the released bundles: the VST3
state survives a save/load in pedalboard with the same values and bit-identical audio; a
state that lost one parameter fails naming it; corrupt blobs are refused and leave the
defaults; the CLAP passes clap-validator's state tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_release import ReleasedTemplate
from fixtures_template import TemplateProject
from fixtures_validators import VendorValidators

from wavecraft_build.project_tests import read_junit
from wavecraft_build.testing.state import (
    clap_state_tests,
    component_state,
    vst3_rejects_corrupt_state,
    vst3_round_trip,
    with_component_state,
)

pytestmark = pytest.mark.slow


def test_fresh_scaffold_passes_its_own_tests(
    template_project: TemplateProject, cargo_target_dir: Path
) -> None:
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "wavecraft_build.cli", "test", "--project",
         str(template_project.project_dir)],
        env=env, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    junit = template_project.project_dir / ".wavecraft" / "test" / "junit.xml"
    summary = {s.name: (s.passed, s.failed, s.skipped) for s in read_junit(junit)}
    assert summary == {"test_robustness": (2, 0, 0), "test_sound": (3, 0, 0)}
    assert "total                 5       0        0" in done.stdout


def test_vst3_state_round_trip(released_template: ReleasedTemplate) -> None:
    vst3 = released_template.report.bundles["vst3"]
    trip = vst3_round_trip(vst3)
    assert trip.changed == [] and trip.audio_identical, trip.describe()
    assert len(trip.saved) == 6

    def drop_cutoff(raw: bytes) -> bytes:
        state = json.loads(component_state(raw))
        del state["params"]["filter_cutoff"]
        return with_component_state(raw, json.dumps(state).encode())

    lossy = vst3_round_trip(vst3, transform=drop_cutoff)
    assert lossy.changed == ["cutoff"]
    assert lossy.describe().startswith("state round trip lost: cutoff: saved 0.359, loaded")
    # (the audio stays the same here: the round trip switched the filter off)


def test_vst3_corrupt_state_is_refused_and_defaults_stay(
    released_template: ReleasedTemplate,
) -> None:
    moved = vst3_rejects_corrupt_state(released_template.report.bundles["vst3"])
    assert moved == {"truncated blob": [], "truncated plugin state": [],
                     "garbage plugin state": [], "empty plugin state": []}


def test_clap_passes_clap_validators_state_tests(
    released_template: ReleasedTemplate, validator_env: VendorValidators
) -> None:
    run = clap_state_tests(released_template.report.bundles["clap"])
    assert run.error is None and run.failed == 0, run.failures
    assert run.passed >= 4  # reproducibility basic/binary/buffered, invalid empty/random
