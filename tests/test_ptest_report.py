"""``wavecraft-build report`` on the fixture plugin made a -6 dB gain (``dsp-minus6``).

The page must exist, be self-contained (inline PNGs), show the last test run with the
plot of its failing golden comparison, and plot a response of -6 dB within 0.1 dB.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import write_sine_golden_test

from benchmarks.devloop import make_project
from wavecraft_build.testing import Plugin
from wavecraft_build.testing.measure import frequency_response, latency, thd
from wavecraft_build.testing.report import settings_of


def _cli(*args: str, target: Path, mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARGO_TARGET_DIR": str(target), "WAVECRAFT_FIXTURE_MODE": mode}
    return subprocess.run([sys.executable, "-m", "wavecraft_build.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_report_of_a_minus_6_db_gain(tmp_path: Path, cargo_target_dir: Path) -> None:
    project = make_project(tmp_path / "proj")
    write_sine_golden_test(project)
    target = cargo_target_dir / "dev"
    assert _cli("test", "--project", str(project), "--", "--update-golden", target=target,
                mode="").returncode == 0
    failed = _cli("test", "--project", str(project), "-q", target=target, mode="dsp-minus6")
    assert failed.returncode == 25 and "level -6.00 dB" in failed.stdout, failed.stdout

    done = _cli("report", "--project", str(project), "-q", target=target, mode="dsp-minus6")
    assert done.returncode == 0, done.stderr
    page_path = project / "build" / "report.html"
    assert done.stdout.strip() == f"report: {page_path}"
    page = page_path.read_text()
    assert len(page) > 10_000 and "<h2>gain</h2>" in page and "<h2>filter</h2>" in page
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched: self-contained
    assert page.count('src="data:image/png;base64,') == 3  # 2 processors + 1 failed golden
    assert "<h3>sine</h3>" in page
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                      page, flags=re.S)
    assert found is not None
    data = json.loads(html.unescape(found.group(1)))
    for pid in ("gain", "filter"):
        default = np.array(data["processors"][pid]["responses"]["default"])
        assert np.all(np.abs(default - -6.0) < 0.1), (pid, default.min(), default.max())
    half = np.array(data["processors"]["gain"]["responses"]["gain_level = 2"])
    assert np.all(np.abs(half - (-6.0 + 6.0206)) < 0.1)  # level 2 (+6 dB) on top of -6 dB
    assert data["latency_samples"] == 0 and data["thd_percent_1khz"] < 0.01
    assert data["tests"] == {"test_sound": {"passed": 0, "failed": 1, "skipped": 0}}


def test_measurements_on_the_plain_gain(fixture_lib: Path,
                                        fixture_mode: pytest.MonkeyPatch) -> None:
    plugin = Plugin.load(fixture_lib)
    flat = frequency_response(plugin)
    assert np.all(np.abs(flat.db) < 0.01) and flat.freqs[0] == 20.0
    assert latency(plugin) == 0 and latency(plugin, {"gain_mute": True}) is None
    assert thd(plugin) < 0.01
    labels = [label for label, _ in settings_of(list(plugin.parameters))]
    assert labels[:4] == ["default", "gain_level = 0", "gain_level = 2", "gain_mute = True"]
