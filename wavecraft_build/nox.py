"""nox sessions for a plugin project: ``register_sessions()`` in the project's noxfile.py.

Sessions run in the current environment (``venv_backend="none"``): wavecraft-build is
already installed there, since the noxfile imports it. With the template's noxfile that
environment is the one nox's script mode made from the noxfile's PEP 723 block, so a plugin
author needs only nox on PATH. Each session is one call of the CLI through this
interpreter (``sys.executable -m wavecraft_build.cli``), so ``nox -s dev`` and
``wavecraft-build dev`` behave identically:

- ``dev``     hot-reload loop (``nox -s dev -- --no-ui --json`` passes options through)
- ``build``   discovery build + extraction + codegen
- ``codegen`` regenerate bindings from the last extracted parameters
- ``release`` VST3/CLAP bundles, manifest and wheel in engine/target/bundled/
- ``validate`` the formats' own validators on those bundles (when installed)
- ``test``    the project's own tests/ against a fresh discovery build
  (``nox -s test -- --update-golden`` rewrites golden files; other options reach pytest)
- ``report``  an HTML page of the DSP's measurements and the last test run

Calling ``register_sessions()`` twice registers nothing new (nox would warn about
overriding a session otherwise); only nox's public ``nox.session`` is used.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

__all__ = ["SESSIONS", "register_sessions"]

SESSIONS: dict[str, str] = {
    "dev": "Watch the Rust engine; rebuild, extract parameters and regenerate bindings.",
    "build": "Discovery build, parameter extraction (cached) and codegen.",
    "codegen": "Regenerate TypeScript/React/Python bindings from the last parameters.",
    "release": "Build the UI, release VST3 + CLAP bundles, manifest and Python wheel.",
    "validate": "Run clap-validator and the VST3 validator on the released bundles.",
    "test": "Discovery build, then the project's tests/ (pytest, JUnit XML, summary table).",
    "report": "Write build/report.html: frequency responses, THD, latency, test results.",
}
#: Sessions whose posargs are the tool's own (``nox -s test -- -k sweep`` reaches pytest).
_PASSTHROUGH = frozenset({"test"})


def _make(command: str, project: Path) -> None:
    def session(session: nox.Session) -> None:
        session.run(
            sys.executable,
            "-m",
            "wavecraft_build.cli",
            command,
            "--project",
            str(project),
            *(["--"] if command in _PASSTHROUGH and session.posargs else []),
            *session.posargs,
            external=True,
        )

    session.__doc__ = SESSIONS[command]
    session.__name__ = command
    nox.session(name=command, venv_backend="none")(session)


_registered: set[str] = set()


def register_sessions(project: Path | None = None) -> None:
    """Register the plugin sessions; ``project`` defaults to the noxfile's folder."""
    root = (project or Path.cwd()).resolve()
    for command in SESSIONS:
        if command not in _registered:
            _make(command, root)
            _registered.add(command)
