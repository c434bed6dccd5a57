"""Sessions for developing wavecraft-build itself: tests, lint, bench, demo, docs.

``nox -s tests`` is the README's test command and what CI runs; ``nox -s demo`` is the
README's end-to-end command (install, scaffold a demo plugin, build its bundles).
Plugin projects get their own sessions from ``wavecraft_build.nox.register_sessions``.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

REPO = Path(__file__).resolve().parent
PYTHON = "3.11"
# One cargo target dir for every session and run: nice-plug compiles once.
TARGET = os.environ.get("WAVECRAFT_TEST_TARGET_DIR", str(REPO / ".test-target"))


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Install the package with its test extras and run the whole suite (real cargo builds)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        *(session.posargs or ["-q"]),
        env={"WAVECRAFT_TEST_TARGET_DIR": TARGET},
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff and mypy --strict over the package, tests, benchmarks and this file."""
    session.install("-e", ".[test]")
    session.run("ruff", "check", ".")
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run every benchmarks/bench_*.py and write benchmarks/results.json."""
    session.install("-e", ".[test]")
    session.run(
        "python", "-m", "benchmarks", *session.posargs, env={"WAVECRAFT_TEST_TARGET_DIR": TARGET}
    )


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the docs site (mkdocs.yml) into build/site in strict mode: a broken link fails.

    ``nox -s docs -- serve`` serves it with live reload instead.
    """
    session.install("-e", ".[docs]")
    command = session.posargs or ["build", "--strict"]
    session.run("python", "-m", "mkdocs", *command, env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Install, scaffold a demo plugin into build/demo-synth and build its release bundles.

    The demo's noxfile pins wavecraft-build in its PEP 723 block, so its own sessions run
    from a shell with only nox; until the tool is on a package index, the wheel built here
    into build/wheelhouse stands in for one (PIP_FIND_LINKS, printed at the end).
    """
    # [testing]: release runs the demo's own tests/ first, as the project's noxfile would.
    session.install("-e", ".[testing]")
    wheelhouse = REPO / "build" / "wheelhouse"
    session.run("python", "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheelhouse), ".")
    demo_dir = REPO / "build" / "demo-synth"
    env = {"CARGO_TARGET_DIR": TARGET}
    if not (demo_dir / "pyproject.toml").is_file():
        session.run("wavecraft-build", "new", "demo-synth", "--dir", str(demo_dir), "--no-git")
    # Bundles next to the demo project (the shared target dir only holds cargo's work).
    out = demo_dir / "bundled"
    session.run(
        "wavecraft-build", "release", "--project", str(demo_dir), "--out", str(out), env=env
    )
    session.log(
        "The demo's Next lines work from a fresh shell with only nox once pip can find "
        f"wavecraft-build: export PIP_FIND_LINKS={wheelhouse}"
    )
