"""``nox -s test`` in a plugin project (the fixture crate): build, pytest, JUnit, table.

Real nox, real cargo, real pytest child: the project's tests use the pytest plugin and
``assert_matches_golden``; ``WAVECRAFT_FIXTURE_MODE=dsp-quieter`` makes the DSP 0.5 dB
quieter, which the golden test must catch, report in dB and plot.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.devloop import make_project
from wavecraft_build.errors import ProjectTestsFailed
from wavecraft_build.project_tests import read_junit

_TEST_FILE = '''
from wavecraft_build.testing import assert_matches_golden, check_block_sizes, signals


def test_sweep_sounds_the_same(plugin):
    assert_matches_golden("sweep", plugin.render(signals.log_sweep(0.25)))


def test_block_sizes(plugin):
    check_block_sizes(plugin)
'''


def _nox(project: Path, *args: str, target: Path,
         mode: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    env.pop("WAVECRAFT_FIXTURE_MODE", None)
    if mode:
        env["WAVECRAFT_FIXTURE_MODE"] = mode
    return subprocess.run([sys.executable, "-m", "nox", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "proj")
    (root / "noxfile.py").write_text(
        "from wavecraft_build.nox import register_sessions\n\nregister_sessions()\n")
    tests = root / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text(
        'pytest_plugins = ["wavecraft_build.testing.pytest_plugin"]\n')
    (tests / "test_sound.py").write_text(_TEST_FILE)
    return root


def test_nox_test_updates_checks_and_catches_half_a_db(
    project: Path, cargo_target_dir: Path
) -> None:
    target = cargo_target_dir / "dev"
    created = _nox(project, "-s", "test", "--", "--update-golden", target=target)
    assert created.returncode == 0, created.stdout + created.stderr
    assert f"sweep: new: {project / 'tests' / 'golden' / 'sweep.wav'}" in created.stdout
    golden = (project / "tests" / "golden" / "sweep.wav").read_bytes()

    passed = _nox(project, "-s", "test", target=target)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "test_sound       2       0        0" in passed.stdout, passed.stdout
    junit = project / ".wavecraft" / "test" / "junit.xml"
    assert [(s.name, s.passed, s.failed) for s in read_junit(junit)] == [("test_sound", 2, 0)]

    failed = _nox(project, "-s", "test", target=target, mode="dsp-quieter")
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"error[{ProjectTestsFailed.kind}]: the project's tests failed (1 failed" in out
    assert "golden 'sweep': level -0.50 dB against the golden file" in out, out
    results = project / "build" / "test-results" / "sweep"
    assert f"results: {results}" in out
    assert {p.name for p in results.iterdir()} == {"actual.wav", "difference.wav", "sweep.png"}
    assert "test_sound       1       1        0" in failed.stdout
    assert [(s.failed, s.failures) for s in read_junit(junit)] == [
        (1, ["test_sound::test_sweep_sounds_the_same"])]
    assert (project / "tests" / "golden" / "sweep.wav").read_bytes() == golden  # untouched

    notes = project / "build" / "test-results" / "notes.txt"
    notes.write_text("the author's own file\n")
    selected = _nox(project, "-s", "test", "--", "-k", "block", target=target,
                    mode="dsp-quieter")  # posargs reach pytest
    assert selected.returncode == 0, selected.stdout + selected.stderr
    # A new run clears the last run's WAVs and plots, and nothing else.
    assert not results.exists() and notes.read_text() == "the author's own file\n"


def test_cli_test_exit_code_is_the_documented_one(project: Path, cargo_target_dir: Path) -> None:
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir / "dev")}
    done = subprocess.run([sys.executable, "-m", "wavecraft_build.cli", "test", "--project",
                           str(project), "-q"], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == ProjectTestsFailed.exit_code == 25  # no golden file yet
    assert "no golden file" in done.stdout and "--update-golden" in done.stdout
    help_text = subprocess.run([sys.executable, "-m", "wavecraft_build.cli", "--help"],
                               capture_output=True, text=True, check=True).stdout
    assert " 25  tests failed" in help_text
