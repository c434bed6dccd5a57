"""``dev --test``: the project's tests run after each reload, as events, behind the swap.

Real dev loop, engine, cargo and pytest child on the fixture plugin. The DSP's mode comes
from ``WAVECRAFT_FIXTURE_MODE_FILE`` (read when an instance is created), so rewriting it
and touching the source makes the next reload 0.5 dB quieter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.devloop import DevProcess, make_project


def test_dev_test_reports_golden_results_after_each_swap(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project = make_project(tmp_path / "proj")
    tests = project / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text(
        'pytest_plugins = ["wavecraft_build.testing.pytest_plugin"]\n')
    (tests / "test_sound.py").write_text(
        "from wavecraft_build.testing import assert_matches_golden, signals\n\n\n"
        "def test_sine(plugin):\n"
        '    assert_matches_golden("sine", plugin.render(signals.sine(440.0, 0.1)))\n')
    mode = tmp_path / "mode"
    mode.write_text("")
    target = cargo_target_dir / "dev"
    env = {**os.environ, "CARGO_TARGET_DIR": str(target),
           "WAVECRAFT_FIXTURE_MODE_FILE": str(mode)}
    subprocess.run([sys.executable, "-m", "wavecraft_build.cli", "test", "--project",
                    str(project), "-q", "--", "--update-golden"], env=env, check=True,
                   capture_output=True, timeout=300)

    dev = DevProcess(project, target, "--test", env={"WAVECRAFT_FIXTURE_MODE_FILE": str(mode)})
    try:
        swapped = dev.wait_event("engine_swapped", timeout=120)
        passed = dev.wait_event("tests_passed", timeout=120)
        assert passed["passed"] == 1 and passed["failed"] == 0
        assert swapped["_t"] <= passed["_t"]

        mode.write_text("dsp-quieter")
        src = project / "engine" / "src" / "lib.rs"
        src.write_text(src.read_text() + "\n// edited\n")
        dev.wait_event("reload_complete", timeout=120)
        failed = dev.wait_event("tests_failed", timeout=120)
        assert failed["failures"] == ["test_sound::test_sine"]
        assert any("level -0.50 dB against the golden file" in g for g in failed["golden"])
        assert failed["results"] == str(project / "build" / "test-results")
        assert (project / "build" / "test-results" / "sine" / "sine.png").is_file()
        swaps = [e for e in dev.events if e["event"] == "engine_swapped"]
        assert len(swaps) == 2 and swaps[1]["_t"] <= failed["_t"]
    finally:
        dev.close()
