"""Run a plugin project's own test suite (``tests/``, pytest) against a built library.

``wavecraft-build test`` (``nox -s test``) and ``release`` both come here after their
discovery build: ``run_project_tests`` starts ``python -m pytest tests --junitxml=...`` in
the project, in its own process group (``_proc``), with ``WAVECRAFT_TEST_LIBRARY`` naming
the library so the suite tests exactly that build, and returns the exit status and the
JUnit summary. ``summary_table`` prints one line per test file with passed, failed,
skipped and seconds. This module imports neither pytest nor numpy: the child does.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wavecraft_build import _proc
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import ToolMissing

__all__ = [
    "JUNIT_NAME",
    "LIBRARY_ENV",
    "SuiteRun",
    "SuiteSummary",
    "failure_messages",
    "has_tests",
    "read_junit",
    "require_testing_tools",
    "run_project_tests",
    "summary_table",
]

#: Names the library under test for the child (``testing.pytest_plugin`` reads it).
LIBRARY_ENV = "WAVECRAFT_TEST_LIBRARY"
JUNIT_NAME = "junit.xml"
_INSTALL = "pip install 'wavecraft-build[testing]' (the template's noxfile installs it)"


def has_tests(project: ProjectConfig) -> bool:
    """True when the project has a ``tests/`` folder with a test file in it."""
    tests = project.root / "tests"
    return tests.is_dir() and any(tests.rglob("test_*.py"))


@dataclass
class SuiteSummary:
    """Counts of one test file (or of the whole run, ``name`` "total")."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteRun:
    """A finished run: pytest's exit status, the JUnit file and its per-file summary."""

    returncode: int
    junit: Path
    files: tuple[SuiteSummary, ...]

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def total(self) -> SuiteSummary:
        t = SuiteSummary("total")
        for s in self.files:
            t.passed, t.failed = t.passed + s.passed, t.failed + s.failed
            t.skipped, t.seconds = t.skipped + s.skipped, t.seconds + s.seconds
            t.failures += s.failures
        return t


def _file_of(case: ET.Element) -> str:
    """The test file (module) name of a JUnit ``testcase``."""
    module = (case.get("classname") or "?").split(".")
    return next((m for m in module if m.startswith("test_")), module[-1])


def read_junit(path: Path) -> tuple[SuiteSummary, ...]:
    """Per-file counts from pytest's JUnit XML (empty when the file is missing or bad)."""
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - pytest wrote it, in our child
    except (OSError, ET.ParseError):
        return ()
    files: dict[str, SuiteSummary] = {}
    for case in root.iter("testcase"):
        name = _file_of(case)
        s = files.setdefault(name, SuiteSummary(name))
        s.seconds += float(case.get("time") or 0)
        if case.find("failure") is not None or case.find("error") is not None:
            s.failed += 1
            s.failures.append(f"{name}::{case.get('name')}")
        elif case.find("skipped") is not None:
            s.skipped += 1
        else:
            s.passed += 1
    return tuple(files.values())


def failure_messages(path: Path) -> dict[str, str]:
    """Each failed test's message from pytest's JUnit XML, keyed as ``SuiteSummary.failures``
    names them (empty when the file is missing or bad)."""
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - pytest wrote it, in our child
    except (OSError, ET.ParseError):
        return {}
    messages: dict[str, str] = {}
    for case in root.iter("testcase"):
        bad = case.find("failure")
        bad = case.find("error") if bad is None else bad
        if bad is None:
            continue
        messages[f"{_file_of(case)}::{case.get('name')}"] = (bad.get("message")
                                                              or bad.text or "")
    return messages


def summary_table(run: SuiteRun) -> str:
    """One line per test file and a total, aligned."""
    rows = [*run.files, run.total]
    width = max(len(r.name) for r in rows)
    lines = [f"{'tests':<{width}}  passed  failed  skipped  seconds"]
    for r in rows:
        lines.append(f"{r.name:<{width}}  {r.passed:>6}  {r.failed:>6}  {r.skipped:>7}  "
                     f"{r.seconds:>7.2f}")
    lines.append(f"JUnit XML: {run.junit}")
    return "\n".join(lines)


def require_testing_tools() -> None:
    """pytest and matplotlib, or ``ToolMissing`` with the install line."""
    for module in ("pytest", "matplotlib"):
        if importlib.util.find_spec(module) is None:
            raise ToolMissing(f"{module} is not installed (the project's tests need it)",
                              hint=_INSTALL)


def run_project_tests(
    project: ProjectConfig,
    library: Path,
    args: Sequence[str] = (),
    *,
    junit: Path | None = None,
    on_output: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> SuiteRun:
    """Run ``tests/`` of ``project`` with pytest against ``library``.

    Output goes to this process's terminal, or line by line to ``on_output`` when given.
    """
    require_testing_tools()
    junit = junit or project.state_dir / "test" / JUNIT_NAME
    junit.parent.mkdir(parents=True, exist_ok=True)
    junit.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "pytest", "tests", f"--junitxml={junit}",
            f"--rootdir={project.root}", "-p", "no:cacheprovider", *args]
    env = {**os.environ, LIBRARY_ENV: str(library)}
    if on_output is None:
        proc = _proc.spawn(argv, cwd=project.root, env=env, stdin=None)
        with _proc.guard(proc):
            code = proc.wait()
    else:
        code = _proc.run_lines(argv, cwd=project.root, env=env, on_stdout=on_output,
                               stderr=subprocess.STDOUT, cancel=cancel)
    return SuiteRun(code, junit, read_junit(junit))

