"""``release`` runs the project's tests/ first: a failure publishes nothing (exit 25), the
last release stays; ``--skip-tests`` publishes and says so in ``manifest.json``.

The fixture crate as a project, with one golden test; ``WAVECRAFT_FIXTURE_MODE=dsp-quieter``
(the DSP 0.5 dB quieter) makes it fail the way a silent change of sound would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers import snapshot_tree

from wavecraft_build.cli import build_parser
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import ProjectTestsFailed
from wavecraft_build.release import ReleaseOptions, release
from wavecraft_build.testing import signals, write_wav

_TEST = '''
from wavecraft_build.testing import assert_matches_golden, signals


def test_sine_sounds_the_same(plugin):
    assert_matches_golden("sine", plugin.render(signals.sine(440.0, 0.1)))
'''


def _add_tests(project: ProjectConfig) -> None:
    tests = project.root / "tests"
    (tests / "golden").mkdir(parents=True)
    (tests / "conftest.py").write_text(
        'pytest_plugins = ["wavecraft_build.testing.pytest_plugin"]\n')
    (tests / "test_sound.py").write_text(_TEST)
    # The fixture's default gain is 1: the golden is the input itself.
    sine = signals.sine(440.0, 0.1)
    write_wav(tests / "golden" / "sine.wav", np.asarray(sine.audio), sine.sample_rate)


def test_release_refuses_a_plugin_that_fails_its_tests(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = fixture_release_project()
    _add_tests(project)
    out = tmp_path / "out"
    options = ReleaseOptions(ui=False, wheel=False, out_dir=out)
    release(project, options)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tests"] == {"ran": True, "passed": 1, "failed": 0, "skipped": 0}
    before = snapshot_tree(out)

    monkeypatch.setenv("WAVECRAFT_FIXTURE_MODE", "dsp-quieter")
    with pytest.raises(ProjectTestsFailed) as failed:
        release(project, options)
    assert failed.value.exit_code == 25
    assert "1 failed: test_sound::test_sine_sounds_the_same" in failed.value.message
    assert "nothing was published" in (failed.value.hint or "")
    assert snapshot_tree(out) == before  # the last release is intact

    report = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=out,
                                             skip_tests=True))
    manifest = json.loads(report.manifest.read_text())
    assert manifest["tests"] == {"ran": False, "reason": "--skip-tests"}


def test_a_project_without_tests_releases_and_says_so(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
) -> None:
    report = release(fixture_release_project(), ReleaseOptions(ui=False, wheel=False,
                                                               out_dir=tmp_path / "o"))
    assert json.loads(report.manifest.read_text())["tests"] == {
        "ran": False, "reason": "no tests/ folder"}


def test_skip_tests_is_a_release_flag() -> None:
    assert build_parser().parse_args(["release", "--skip-tests"]).skip_tests
    assert not build_parser().parse_args(["release"]).skip_tests
