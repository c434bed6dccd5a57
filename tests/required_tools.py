"""One rule for a test that needs a tool this machine may lack: fail in CI, skip locally.

A missing tool must never turn a CI run green: under ``CI=true`` or ``pytest --strict-tools``
``missing()`` fails the test with the line that installs the tool. On a developer's machine
it skips with a one-line reason, and the run's summary counts those skips, so "all passed"
with tools missing is never mistaken for a full run. Every test that needs npm, node,
Chromium, selenium or pedalboard goes through here; the message has the shape of
``fixtures_validators``' (which always fails: cmake and ninja are never optional).
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

__all__ = ["missing", "path_without", "require_module", "require_tool", "strict"]

_STRICT_OPTION = "--strict-tools"
_skipped: list[str] = []
_config: pytest.Config | None = None


def strict() -> bool:
    """True in CI (``CI=true``) or with ``--strict-tools``: a missing tool fails the test."""
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        return True
    return bool(_config is not None and _config.getoption(_STRICT_OPTION))


def missing(what: str, install: str) -> NoReturn:
    """``what`` is missing: fail with ``install`` (strict) or skip with a one-line reason."""
    message = f"{what}: {install}"
    if strict():
        pytest.fail(f"missing tool: {message}", pytrace=False)
    _skipped.append(message)
    pytest.skip(f"missing tool (fails under CI=true or {_STRICT_OPTION}): {message}")


def require_tool(name: str, install: str) -> str:
    """The path of ``name`` on PATH, else ``missing()`` with its install line."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not on PATH", install)
    return path


def require_module(name: str, install: str) -> ModuleType:
    """``import name``, else ``missing()`` with its install line."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python module {name} is not installed", install)


def path_without(tmp: Path, *names: str) -> str:
    """A PATH with everything of this one except ``names`` (e.g. cargo without npm).

    A folder on PATH that holds one of ``names`` is replaced by a folder of symlinks to its
    other entries, so it works when cargo and npm share ``/usr/bin`` (Debian's packages).
    """
    dirs = []
    for i, entry in enumerate(os.environ.get("PATH", "").split(os.pathsep)):
        folder = Path(entry)
        if not entry or not folder.is_dir():
            continue
        if not any((folder / name).exists() for name in names):
            dirs.append(entry)
            continue
        shadow = tmp / f"path-{i}"
        shadow.mkdir(parents=True, exist_ok=True)
        for item in folder.iterdir():
            if item.name not in names and not (shadow / item.name).exists():
                (shadow / item.name).symlink_to(item)
        dirs.append(str(shadow))
    return os.pathsep.join(dirs)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        _STRICT_OPTION,
        action="store_true",
        help="a test whose tool (npm, node, Chromium, pedalboard...) is missing fails instead "
        "of skipping (always so under CI=true)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _config
    _config = config


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped:
        terminalreporter.write_line(
            f"{len(_skipped)} test(s) skipped for a missing tool; with {_STRICT_OPTION} or "
            f"CI=true they fail: {'; '.join(sorted(set(_skipped)))}",
            yellow=True,
        )
