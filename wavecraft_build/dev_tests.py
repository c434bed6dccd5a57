"""``dev --test``: run the project's tests/ after every successful reload, off to the side.

``ReloadTests.reload(library, result)`` is one of the dev loop's ``on_reload`` callbacks,
called after the engine's swap; it copies the library (the next build overwrites it) and
hands it to a worker thread, so the reload and the swap never wait for a test. The worker
runs ``project_tests.run_project_tests`` on the newest library; a newer reload cancels a
run still going (its process group is killed). Results are events: ``tests_started``,
``tests_passed`` and ``tests_failed`` (with the failing tests, the golden messages, the
JUnit file and the folder of WAVs and plots). The same results go to the page through
``on_results`` (the engine's ``test_results``: a ``TestResults`` of the protocol, each
failing golden test with the path its plot is served at), never waited for.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wavecraft_build._proc import Cancelled
from wavecraft_build.config import ProjectConfig
from wavecraft_build.engine.protocol import TEST_RESULTS_PATH
from wavecraft_build.errors import WavecraftError
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.project_tests import SuiteRun, failure_messages, run_project_tests

__all__ = ["ReloadTests", "results_of"]

Emit = Callable[..., None]
#: Takes a ``TestResults`` and the folder its plots are in (``EngineSupervisor.test_results``).
OnResults = Callable[[dict[str, Any], Path | None], None]
_MESSAGE_CHARS = 600
#: Failures listed in one ``TestResults`` (the count stays exact): one small command line.
_MAX_FAILURES = 20
_RESULTS_LINE = re.compile(r"^\s*results: (.+)$", re.MULTILINE)


def _plot(message: str, folder: Path) -> str | None:
    """The served path of the PNG a failing golden comparison wrote (its message names the
    folder: ``results: <folder>``, the PNG is ``<folder>/<folder name>.png``)."""
    match = _RESULTS_LINE.search(message)
    if match is None:
        return None
    png = Path(match.group(1).strip())
    png = png / f"{png.name}.png"
    try:
        rel = png.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return None  # the engine would refuse it: not offered
    return TEST_RESULTS_PATH + quote(rel.as_posix()) if png.is_file() else None


def results_of(status: str, run: SuiteRun | None, folder: Path, *,
               plots: bool = True) -> dict[str, Any]:
    """The protocol's ``TestResults`` for ``run`` (None: no counts yet); ``plots=False``
    while a new run is clearing the results folder."""
    failures: list[dict[str, Any]] = []
    if run is not None:
        messages = failure_messages(run.junit)
        for name in run.total.failures[:_MAX_FAILURES]:
            message = messages.get(name, "").removeprefix("AssertionError: ")
            failure: dict[str, Any] = {"name": name, "message": message[:_MESSAGE_CHARS]}
            plot = _plot(message, folder) if plots else None
            if plot is not None:
                failure["plot"] = plot
            failures.append(failure)
    total = run.total if run is not None else None
    return {"status": status, "passed": total.passed if total else 0,
            "failed": total.failed if total else 0, "skipped": total.skipped if total else 0,
            "failures": failures, "updated_at_ms": int(time.time() * 1000)}


class ReloadTests:
    """One worker thread running the project's tests on the newest reloaded library."""

    def __init__(self, project: ProjectConfig, emit: Emit,
                 on_results: OnResults | None = None) -> None:
        self.project = project
        self.emit = emit
        self.on_results = on_results
        self.results_dir = project.root / "build" / "test-results"
        self._last: SuiteRun | None = None
        self._folder = Path(tempfile.mkdtemp(prefix="wavecraft-dev-tests-"))
        self._cond = threading.Condition()
        self._pending: Path | None = None
        self._cancel: threading.Event | None = None
        self._stopping = False
        self._count = 0
        self._thread = threading.Thread(target=self._loop, name="wavecraft-dev-tests",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def reload(self, library: Path, _result: ExtractionResult) -> None:
        """Queue a run on a copy of ``library``; cancel the run still going, if any."""
        self._count += 1
        copy = self._folder / f"{self._count}-{library.name}"
        shutil.copy2(library, copy)
        with self._cond:
            self._pending = copy
            if self._cancel is not None:
                self._cancel.set()
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            if self._cancel is not None:
                self._cancel.set()
            self._cond.notify()
        self._thread.join(2.0)
        shutil.rmtree(self._folder, ignore_errors=True)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                library, self._pending = self._pending, None
                cancel = self._cancel = threading.Event()
            assert library is not None
            self._run(library, cancel)
            with self._cond:
                self._cancel = None
            library.unlink(missing_ok=True)

    def _show(self, status: str, run: SuiteRun | None,
              error: WavecraftError | None = None) -> None:
        if self.on_results is None:
            return
        results = results_of(status, run, self.results_dir, plots=status != "running")
        if error is not None:
            results["failures"] = [{"name": "tests/", "message": error.render()[:_MESSAGE_CHARS]}]
        self.on_results(results, self.results_dir)

    def _run(self, library: Path, cancel: threading.Event) -> None:
        self.emit("tests_started", "Running tests/ on the new build...")
        # The last counts and failures stay on the badge meanwhile (their plots are going).
        self._show("running", self._last)
        lines: list[str] = []
        try:
            run = run_project_tests(self.project, library, ["-q", "-p", "no:warnings"],
                                    on_output=lines.append, cancel=cancel)
        except Cancelled:
            return  # a newer build's run reports
        except WavecraftError as exc:
            self.emit("tests_failed", exc.render(), kind=exc.kind, failures=[])
            self._show("failed", None, exc)
            return
        self._last = run
        self._show("passed" if run.ok else "failed", run)
        total = run.total
        fields: dict[str, Any] = {"passed": total.passed, "failed": total.failed,
                                  "skipped": total.skipped, "junit": str(run.junit)}
        if run.ok:
            self.emit("tests_passed", f"Tests passed: {total.passed} passed", **fields)
            return
        goldens = [ln.strip().removeprefix("E").strip() for ln in lines if "golden '" in ln]
        results = self.results_dir
        self.emit("tests_failed", f"Tests failed: {', '.join(total.failures[:3])}"
                  + (f"\n  {goldens[0]}" if goldens else "")
                  + (f"\n  results: {results}" if results.is_dir() else ""),
                  failures=total.failures, golden=goldens[:5],
                  results=str(results) if results.is_dir() else None, **fields)
