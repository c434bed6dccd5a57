"""``dev --test``: the project's tests run after each reload, as events, behind the swap.

Real dev loop, engine, cargo and pytest child on the fixture plugin. The DSP's mode comes
from ``WAVECRAFT_FIXTURE_MODE_FILE`` (read when an instance is created), so rewriting it
and touching the source makes the next reload 0.5 dB quieter.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
from pathlib import Path

from helpers import write_sine_golden_test

from benchmarks.devloop import DevProcess, make_project
from benchmarks.engineclient import Client
from wavecraft_build.dev_tests import results_of
from wavecraft_build.engine.results import serve_plot
from wavecraft_build.project_tests import SuiteRun, read_junit


def _project(tmp_path: Path, cargo_target_dir: Path) -> tuple[Path, Path, Path]:
    """A fixture plugin with one golden test, its golden written: (project, mode, target)."""
    project = make_project(tmp_path / "proj")
    write_sine_golden_test(project)
    mode = tmp_path / "mode"
    mode.write_text("")
    target = cargo_target_dir / "dev"
    env = {**os.environ, "CARGO_TARGET_DIR": str(target),
           "WAVECRAFT_FIXTURE_MODE_FILE": str(mode)}
    subprocess.run([sys.executable, "-m", "wavecraft_build.cli", "test", "--project",
                    str(project), "-q", "--", "--update-golden"], env=env, check=True,
                   capture_output=True, timeout=300)
    return project, mode, target


def _make_quieter(project: Path, mode: Path) -> None:
    mode.write_text("dsp-quieter")
    src = project / "engine" / "src" / "lib.rs"
    src.write_text(src.read_text() + "\n// edited\n")


def test_dev_test_reports_golden_results_after_each_swap(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project, mode, target = _project(tmp_path, cargo_target_dir)
    dev = DevProcess(project, target, "--test", env={"WAVECRAFT_FIXTURE_MODE_FILE": str(mode)})
    try:
        swapped = dev.wait_event("engine_swapped", timeout=120)
        passed = dev.wait_event("tests_passed", timeout=120)
        assert passed["passed"] == 1 and passed["failed"] == 0
        assert swapped["_t"] <= passed["_t"]

        _make_quieter(project, mode)
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


def _get(port: int, path: str, origin: str | None = None) -> tuple[int, str, bytes]:
    """Status, Content-Type and body of ``GET path`` on the engine's port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Origin": origin} if origin else {})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def test_the_page_gets_the_results_and_the_failing_plot_from_the_engine(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project, mode, target = _project(tmp_path, cargo_target_dir)
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\nnot yours")
    dev = DevProcess(project, target, "--test", env={"WAVECRAFT_FIXTURE_MODE_FILE": str(mode)})
    try:
        dev.wait_event("tests_passed", timeout=240)
        url = f"ws://127.0.0.1:{dev.engine_port}"
        with Client(url) as late:  # connects after the run: gets the result on connect
            shown = late.notification("testResults", timeout=10)["results"]
            assert shown["status"] == "passed" and shown["passed"] == 1
            assert shown["failed"] == 0 and shown["failures"] == []
        with Client(url) as page:
            page.notification("testResults", timeout=10)
            _make_quieter(project, mode)
            # The on-connect copy and a broadcast of the same result may both arrive (the
            # result can land while this client connects): a repeat is harmless to a page.
            running = page.notification(
                "testResults", lambda p: p["results"]["status"] == "running", timeout=120
            )["results"]
            assert running["status"] == "running" and running["passed"] == 1  # last counts
            failed = page.notification(
                "testResults", lambda p: p["results"]["status"] != "running", timeout=120
            )["results"]
        assert failed["status"] == "failed" and (failed["passed"], failed["failed"]) == (0, 1)
        [failure] = failed["failures"]
        assert failure["name"] == "test_sound::test_sine"
        assert "level -0.50 dB against the golden file" in failure["message"]
        assert failure["plot"] == "/test-results/sine/sine.png"

        status, kind, body = _get(dev.engine_port, failure["plot"])
        assert (status, kind) == (200, "image/png")
        assert body == (project / "build" / "test-results" / "sine" / "sine.png").read_bytes()
        assert body.startswith(b"\x89PNG")
        # The dev UI's page may load it; another site may not; nothing else is served.
        assert _get(dev.engine_port, failure["plot"], "http://localhost:5173")[0] == 200
        assert _get(dev.engine_port, failure["plot"], "https://evil.example")[0] == 403
        link = project / "build" / "test-results" / "link.png"
        link.symlink_to(outside)
        refused = [
            "/test-results/link.png",  # a symlink out of the folder
            "/test-results/../../outside.png",
            "/test-results/%2e%2e/%2e%2e/%2e%2e/outside.png",
            f"/test-results/{outside}",
            "/test-results/sine/actual.wav",  # plots only
            "/test-results/sine/missing.png",
            "/outside.png",
        ]
        for path in refused:
            status, _, body = _get(dev.engine_port, path)
            assert status in (403, 404, 426), (path, status)
            assert b"not yours" not in body, path

        # The engine dies: the restarted one shows the same results to a new page.
        started = next(e for e in dev.events if e["event"] == "engine_started")
        os.kill(int(started["pid"]), signal.SIGKILL)
        dev.wait_event("engine_failed", timeout=30)
        dev.wait_event("engine_swapped", timeout=60)
        with Client(url) as again:
            assert again.notification("testResults", timeout=10)["results"]["failures"] == [
                failure]
        assert _get(dev.engine_port, failure["plot"])[0] == 200
    finally:
        dev.close()


def test_results_name_each_failure_with_a_quoted_plot_path_and_stay_small(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "build" / "test-results"
    (folder / "my sweep#2").mkdir(parents=True)
    (folder / "my sweep#2" / "my sweep#2.png").write_bytes(b"\x89PNG fake")
    cases = "".join(
        f'<testcase classname="tests.test_sound" name="test_{i}"><failure message="'
        f"AssertionError: golden 'my sweep#2': level -1.00 dB&#10;  results: "
        f'{folder / "my sweep#2"}"/></testcase>' for i in range(30))
    junit = tmp_path / "junit.xml"
    junit.write_text(f"<testsuites><testsuite>{cases}"
                     '<testcase classname="tests.test_sound" name="ok"/></testsuite></testsuites>')
    run = SuiteRun(1, junit, read_junit(junit))

    shown = results_of("failed", run, folder)
    assert (shown["passed"], shown["failed"]) == (1, 30)
    assert len(shown["failures"]) == 20  # the count is exact, the list is capped
    first = shown["failures"][0]
    assert first["name"] == "test_sound::test_0"
    assert first["message"].startswith("golden 'my sweep#2': level -1.00 dB")
    assert first["plot"] == "/test-results/my%20sweep%232/my%20sweep%232.png"
    served = serve_plot(folder, first["plot"])
    assert (served.status_code, served.body) == (200, b"\x89PNG fake")
    # While the next run clears the folder, the last failures stay listed without plots.
    running = results_of("running", run, folder, plots=False)
    assert running["status"] == "running" and "plot" not in running["failures"][0]
