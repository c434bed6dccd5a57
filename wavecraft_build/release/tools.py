"""The external tools of a release (npm, maturin, git): finding them and running them.

``run_logged`` runs a tool in its own process group (``_proc.run_lines``), hands its
output to the reporter and returns it whole for the log file; ``tail`` picks the line
worth quoting in an error message. ``npm_install_args`` and ``run_npm`` are the npm part
of a release, ``git_info`` the commit the manifest records (through ``_proc.run``).
Nothing here knows the release's steps: the runner is passed in.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wavecraft_build._proc import run, run_lines
from wavecraft_build.errors import BuildFailed, ToolMissing

__all__ = [
    "Runner",
    "git_info",
    "maturin_argv",
    "npm_executable",
    "npm_install_args",
    "run_logged",
    "run_npm",
    "tail",
]

_GIT_TIMEOUT = 10.0

#: Runs ``argv`` in ``cwd`` with ``env`` (None: inherit); returns exit code and output.
Runner = Callable[[Sequence[str], Path, dict[str, str] | None], tuple[int, str]]


def npm_executable() -> str:
    npm = shutil.which("npm")
    if not npm:
        raise ToolMissing(
            "npm was not found on PATH (needed to build the UI)",
            hint="install Node.js 20 or newer (https://nodejs.org, includes npm), or release "
            "without the UI: --no-ui",
        )
    return npm


def maturin_argv() -> list[str]:
    """How to run maturin: the ``maturin`` on PATH, else ``python -m maturin``."""
    exe = shutil.which("maturin")
    if exe:
        return [exe]
    if importlib.util.find_spec("maturin") is not None:
        return [sys.executable, "-m", "maturin"]
    raise ToolMissing(
        "maturin was not found (needed for the Python wheel)",
        hint=f"{Path(sys.executable).name} -m pip install 'maturin>=1.5' "
        "(or wavecraft-build[release]), or release without the wheel: --no-wheel",
    )


def run_logged(
    argv: Sequence[str],
    cwd: Path,
    *,
    sink: Callable[[bytes], None],
    cancel: threading.Event | None = None,
    env: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Run ``argv`` in its own process group (Ctrl-C kills all of it); return code + output.

    The output (stdout, then stderr) also goes to ``sink``, the reporter's tool output.
    """
    lines: list[str] = []
    with tempfile.TemporaryFile() as err:
        code = run_lines(argv, cwd=cwd, env=env, on_stdout=lines.append, stderr=err,
                         cancel=cancel)
        err.seek(0)
        stderr_bytes = err.read()
    sink("".join(lines).encode() + stderr_bytes)
    return code, "".join(lines) + stderr_bytes.decode("utf-8", "replace")


def tail(output: str) -> str:
    """The first error line of a tool's output (else its first line), for a message."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.search(r"\berr(or)?\b|ERR!", ln, re.IGNORECASE)]
    return (errors or lines or ["no output"])[0][:300]


def _node_modules_current(ui: Path) -> bool:
    # npm's own test: node_modules/.package-lock.json (the "hidden lockfile") is newer than
    # package.json and package-lock.json, so the installed tree matches them.
    hidden = ui / "node_modules" / ".package-lock.json"
    try:
        stamp = hidden.stat().st_mtime
        return all(stamp >= (ui / f).stat().st_mtime for f in ("package.json",
                                                               "package-lock.json"))
    except FileNotFoundError:
        return False


def npm_install_args(ui: Path) -> tuple[str, ...] | None:
    """The npm arguments that install ``ui``'s packages: ``ci`` with a lockfile (None when
    node_modules is already current), else ``install``. Looks up no executable."""
    if (ui / "package-lock.json").is_file():
        return None if _node_modules_current(ui) else ("ci", "--no-audit", "--no-fund")
    return ("install", "--no-audit", "--no-fund")


def run_npm(argv: Sequence[str], ui: Path, run: Runner) -> None:
    """Run one npm command in ``ui``; a failure is ``BuildFailed`` quoting its first error."""
    code, output = run(argv, ui, None)
    if code != 0:
        raise BuildFailed(
            f"`npm {' '.join(argv[1:3])}` failed (exit {code}): {tail(output)}",
            path=ui / "package.json",
            hint="fix the UI error (run the same npm command in ui/ to see all of it); "
            "the previous bundles are unchanged",
        )


def git_info(root: Path) -> dict[str, Any] | None:
    """The project's git commit and whether tracked files differ from it, if it is a repo."""
    git = shutil.which("git")
    if git is None:
        return None
    head = run([git, "rev-parse", "HEAD"], cwd=root, timeout=_GIT_TIMEOUT)
    if not head.ok:
        return None
    status = run([git, "status", "--porcelain", "--untracked-files=no"], cwd=root,
                 timeout=_GIT_TIMEOUT)
    if status.timed_out:
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}
