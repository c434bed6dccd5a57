"""nox sessions for a plugin project: ``register_sessions()`` in the project's noxfile.py.

Sessions run in the current environment (``venv_backend="none"``): wavecraft-build is
already installed there, since the noxfile imports it. Each session is one call of the
CLI, so ``nox -s dev`` and ``wavecraft-build dev`` behave identically:

- ``dev``     hot-reload loop (``nox -s dev -- --no-ui --json`` passes options through)
- ``build``   discovery build + extraction + codegen
- ``codegen`` regenerate bindings from the last extracted parameters
- ``release`` VST3/CLAP bundles, manifest and wheel in target/bundled/

Calling ``register_sessions()`` twice registers nothing new (nox would warn about
overriding a session otherwise).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox
from nox import registry

__all__ = ["SESSIONS", "register_sessions"]

SESSIONS: dict[str, str] = {
    "dev": "Watch the Rust engine; rebuild, extract parameters and regenerate bindings.",
    "build": "Discovery build, parameter extraction (cached) and codegen.",
    "codegen": "Regenerate TypeScript/React/Python bindings from the last parameters.",
    "release": "Build the UI, release VST3 + CLAP bundles, manifest and Python wheel.",
}


def _make(command: str, project: Path) -> None:
    def session(session: nox.Session) -> None:
        session.run(
            sys.executable,
            "-m",
            "wavecraft_build.cli",
            command,
            "--project",
            str(project),
            *session.posargs,
            external=True,
        )

    session.__doc__ = SESSIONS[command]
    session.__name__ = command
    nox.session(name=command, venv_backend="none")(session)


def register_sessions(project: Path | None = None) -> None:
    """Register the plugin sessions; ``project`` defaults to the noxfile's folder."""
    root = (project or Path.cwd()).resolve()
    existing = registry.get()
    for command in SESSIONS:
        if command not in existing:
            _make(command, root)
