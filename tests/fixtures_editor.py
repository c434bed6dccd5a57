"""Fixtures for the editor tests: an X server (Xvfb), the editor helper built once, and the
template released once with its editor.

``xdisplay`` is the session's one ``Xvfb`` (``xvfb_display``, tests/xtools.py).
``editor_helper`` builds ``wavecraft-editor-helper`` the way ``release`` does
(``release.editor.build_helper``, in the shared target dir, so it compiles once per
machine). ``released_editor`` releases the session's scaffolded template
(``released_template``) once more with its UI and editor into a folder of its own; the
plugin crate compiles once with the ``editor`` feature. A machine without WebKitGTK's dev
files, Xvfb or npm skips these locally and fails in CI with the install line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures_release import ReleasedTemplate
from required_tools import missing, require_tool

from wavecraft_build import cargo
from wavecraft_build.release import ReleaseOptions, ReleaseReport, release
from wavecraft_build.release import editor as editor_build
from wavecraft_build.release.tools import run_logged

__all__ = ["ReleasedEditor", "editor_helper", "released_editor", "require_editor_deps",
           "xdisplay"]

APT_LINE = f"apt-get install -y xvfb {editor_build.APT_DEV}"


def require_editor_deps() -> None:
    """WebKitGTK's dev files (to build the helper) and Xvfb (to show it)."""
    reason = editor_build.missing_reason()
    if reason is not None:
        missing(reason, APT_LINE)
    require_tool("Xvfb", APT_LINE)


@pytest.fixture(scope="session")
def xdisplay(xvfb_display: str) -> str:
    """``:N`` of the session's one private Xvfb (``xvfb_display``, tests/xtools.py)."""
    require_tool("Xvfb", APT_LINE)
    return xvfb_display


@pytest.fixture(scope="session")
def editor_helper(cargo_target_dir: Path) -> Path:
    """The helper executable, built as `release` builds it (shared target dir)."""
    require_editor_deps()
    old = os.environ.get("CARGO_TARGET_DIR")
    os.environ["CARGO_TARGET_DIR"] = str(cargo_target_dir)
    try:
        def run_tool(argv: object, cwd: Path, env: dict[str, str] | None) -> tuple[int, str]:
            assert isinstance(argv, list)
            return run_logged(argv, cwd, sink=lambda _b: None, env=env)

        return editor_build.build_helper(run_tool, cargo.cargo_executable())
    finally:
        if old is None:
            os.environ.pop("CARGO_TARGET_DIR", None)
        else:
            os.environ["CARGO_TARGET_DIR"] = old


@dataclass(frozen=True)
class ReleasedEditor:
    report: ReleaseReport
    helper: Path


@pytest.fixture(scope="session")
def released_editor(
    released_template: ReleasedTemplate, editor_helper: Path, cargo_target_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> ReleasedEditor:
    """The template released with its UI and editor (no wheel), into its own folder."""
    require_tool("npm", "install Node.js 20+ with npm (apt-get install nodejs npm)")
    out = tmp_path_factory.mktemp("editor-release") / "bundled"
    old = os.environ.get("CARGO_TARGET_DIR")
    os.environ["CARGO_TARGET_DIR"] = str(cargo_target_dir)
    try:
        report = release(released_template.project,
                         ReleaseOptions(wheel=False, skip_tests=True, out_dir=out))
    finally:
        if old is None:
            os.environ.pop("CARGO_TARGET_DIR", None)
        else:
            os.environ["CARGO_TARGET_DIR"] = old
    assert not report.warnings, report.warnings
    return ReleasedEditor(report=report, helper=editor_helper)
