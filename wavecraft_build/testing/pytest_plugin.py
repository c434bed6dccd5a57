"""The pytest plugin of a plugin project's tests.

Enabled by the project's ``tests/conftest.py``:
``pytest_plugins = ["wavecraft_build.testing.pytest_plugin"]``.

Options: ``--update-golden`` (write or refresh golden files and print what changed),
``--golden-dir`` (default ``tests/golden``), ``--results-dir`` (where a failing comparison
writes its WAVs and PNG; default ``build/test-results``), ``--plugin-library`` (a built
discovery library; default ``$WAVECRAFT_TEST_LIBRARY``, which ``nox -s test`` sets, else
the project is built first). Fixtures: ``plugin`` (the ``Plugin`` under test, built and
loaded once per session) and ``golden`` (the ``GoldenStore``, also what
``assert_matches_golden`` uses).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from wavecraft_build.project_tests import LIBRARY_ENV
from wavecraft_build.testing.golden import GoldenStore, configure
from wavecraft_build.testing.render import Plugin

__all__ = ["golden", "plugin"]

_STORE = pytest.StashKey[GoldenStore]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wavecraft", "wavecraft-build plugin tests")
    group.addoption("--update-golden", action="store_true",
                    help="write or refresh tests/golden/*.wav and print what changed")
    group.addoption("--golden-dir", type=Path, default=None, metavar="DIR",
                    help="golden WAV folder (default: tests/golden)")
    group.addoption("--results-dir", type=Path, default=None, metavar="DIR",
                    help="where failing comparisons write WAVs and plots "
                    "(default: build/test-results)")
    group.addoption("--plugin-library", type=Path, default=None, metavar="LIB",
                    help=f"the built discovery library (default: ${LIBRARY_ENV}, else build)")


def pytest_configure(config: pytest.Config) -> None:
    root = config.rootpath
    results = config.getoption("results_dir") or root / "build" / "test-results"
    store = GoldenStore(
        golden_dir=(config.getoption("golden_dir") or root / "tests" / "golden").resolve(),
        results_dir=results.resolve(),
        update=bool(config.getoption("update_golden")),
    )
    if not store.update:
        _clear_results(store.results_dir)  # the folder shows this run's failures only
    config.stash[_STORE] = store
    configure(store)


def _clear_results(folder: Path) -> None:
    """Remove what earlier runs wrote (their WAVs and PNGs), never anything else: the
    folder is the author's choice (``--results-dir``) and may hold other files."""
    if not folder.is_dir():
        return
    for actual in list(folder.rglob("actual.wav")):  # listed first: folders go away
        for name in ("actual.wav", "difference.wav", f"{actual.parent.name}.png"):
            (actual.parent / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            actual.parent.rmdir()  # only when now empty


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    store = terminalreporter.config.stash.get(_STORE, None)
    if store is None:
        return
    if store.update:
        terminalreporter.section("golden files")
        for name, change in store.changes or [("", "all golden files unchanged")]:
            terminalreporter.write_line(f"{name}: {change}" if name else change)
    elif any(store.results_dir.rglob("actual.wav")):
        terminalreporter.write_line(f"golden failures (WAVs and plots): {store.results_dir}")


@pytest.fixture(scope="session")
def golden(pytestconfig: pytest.Config) -> GoldenStore:
    """The golden store of this run (``golden.assert_matches(name, audio)``)."""
    return pytestconfig.stash[_STORE]


@pytest.fixture(scope="session")
def plugin(pytestconfig: pytest.Config) -> Plugin:
    """The project's DSP: the library ``nox -s test`` built, else a discovery build now."""
    given = pytestconfig.getoption("plugin_library") or os.environ.get(LIBRARY_ENV)
    if given:
        return Plugin.load(Path(given))  # parameters: extracted in the isolated child
    from wavecraft_build.config import load_project
    from wavecraft_build.pipeline import BUILD_STEPS, Context, run

    ctx = run(Context(project=load_project(pytestconfig.rootpath)), BUILD_STEPS)
    assert ctx.build is not None and ctx.result is not None
    return Plugin.load(ctx.build.artifact, ctx.result)
