"""Session fixtures for real plugin hosts: the CLAP test host (tests/hosts/clap-host).

``clap_test_host`` builds the host crate (clack-host, pinned in its Cargo.toml and
Cargo.lock) once per test run into ``<cargo_target_dir>/hosts/`` (the shared test target
dir: later runs only relink), under a file lock so two sessions never build it at once.
``ClapHost`` (tests/clap_host.py) drives the binary.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from wavecraft_build import _proc

__all__ = ["CLAP_HOST_CRATE", "clap_test_host"]

CLAP_HOST_CRATE = Path(__file__).resolve().parent / "hosts" / "clap-host"
_BUILD_TIMEOUT = 1200.0


@pytest.fixture(scope="session")
def clap_test_host(cargo_target_dir: Path) -> Path:
    """The CLAP test host's binary, built once per run (debug: it only drives the plugin)."""
    out = cargo_target_dir / "hosts"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CARGO_TARGET_DIR": str(out)}
    with (out / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = _proc.run(["cargo", "build", "--locked", "--manifest-path",
                          str(CLAP_HOST_CRATE / "Cargo.toml")], env=env, timeout=_BUILD_TIMEOUT)
    if not done.ok:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        pytest.fail(f"building the CLAP test host failed:\n{tail}", pytrace=False)
    binary = out / "debug" / "wavecraft-clap-test-host"
    assert binary.is_file()
    return binary
