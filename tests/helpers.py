"""Helpers the tests share: build a fixture crate, snapshot a tree, find live processes.

A plain module (``from helpers import ...``; pytest's ``pythonpath`` puts tests/ on the
path); the fixtures themselves live in conftest.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from wavecraft_build import cargo

__all__ = [
    "CRATES",
    "REPO",
    "alive",
    "build_fixture",
    "live_processes",
    "snapshot_tree",
    "wait_for",
]

REPO = Path(__file__).resolve().parent.parent
CRATES = Path(__file__).resolve().parent / "crates"


def build_fixture(
    target_dir: Path, *, features: tuple[str, ...] = (cargo.DISCOVERY_FEATURE,)
) -> cargo.BuildResult:
    """Build tests/crates/fixture-plugin with ``features`` into ``target_dir``."""
    return cargo.build(
        cargo.BuildRequest(
            manifest=CRATES / "fixture-plugin" / "Cargo.toml",
            features=features,
            target_dir=target_dir,
        )
    )


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` with its bytes: compare before/after to prove nothing changed."""
    if not root.exists():
        return {}
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def live_processes(
    match: Callable[[list[bytes]], bool], *, cwd_under: Path | None = None
) -> list[int]:
    """PIDs of live (non-zombie) processes whose argv satisfies ``match`` or whose working
    folder is below ``cwd_under`` (cargo runs build scripts there), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if state == "Z":
            continue
        if match(argv) or (cwd_under is not None and _cwd_is_under(entry, cwd_under)):
            found.append(int(entry.name))
    return found


def _cwd_is_under(proc: Path, root: Path) -> bool:
    try:
        return (proc / "cwd").readlink().is_relative_to(root)
    except OSError:
        return False


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def wait_for(predicate: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def write_sine_golden_test(project: Path) -> Path:
    """Give a plugin project ``tests/`` with one golden test (a 0.1 s, 440 Hz sine) and the
    plugin-test pytest plugin; returns the tests folder (its golden is not written yet)."""
    tests = project / "tests"
    (tests / "golden").mkdir(parents=True, exist_ok=True)
    (tests / "conftest.py").write_text(
        'pytest_plugins = ["wavecraft_build.testing.pytest_plugin"]\n')
    (tests / "test_sound.py").write_text(
        "from wavecraft_build.testing import assert_matches_golden, signals\n\n\n"
        "def test_sine(plugin):\n"
        '    assert_matches_golden("sine", plugin.render(signals.sine(440.0, 0.1)))\n')
    return tests

