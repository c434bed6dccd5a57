"""What several release steps share: the project's UI package (when this release builds
the UI) and the tool runner wired to the release's reporter and cancel event."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from wavecraft_build.release.context import ReleaseContext
from wavecraft_build.release.tools import Runner, run_logged

__all__ = ["tool_runner", "ui_package"]


def ui_package(ctx: ReleaseContext) -> Path | None:
    ui = ctx.project.ui
    if not ctx.options.ui or ui is None or not (ui / "package.json").is_file():
        return None
    return ui


def tool_runner(ctx: ReleaseContext, cancel: threading.Event | None = None) -> Runner:
    """Run a tool in its own process group, its output to the reporter, cancellable
    (by ``cancel``, default the release's own cancel event)."""
    stop = cancel or ctx.cancel

    def run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None) -> tuple[int, str]:
        return run_logged(argv, cwd, sink=ctx.reporter.tool_output, cancel=stop, env=env)

    return run
