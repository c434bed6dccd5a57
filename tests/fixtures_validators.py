"""Session fixture: clap-validator and the VST3 SDK validator, built from ../shared/vendor.

Both are built once per test run into ``<cargo_target_dir>/validators/`` (the shared test
target dir, so later runs and other checkouts reuse them: cargo and ninja only relink what
changed). The commands are those of the vendor folder's README. A file lock keeps two
concurrent test sessions from building into the same folder at once. Missing cmake or
ninja is a test failure that says what to install, never a skip: CI must run these.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["VendorValidators", "validator_env", "vendor_dir", "vendor_validators"]

REPO = Path(__file__).resolve().parent.parent
_BUILD_TIMEOUT = 1800.0


def vendor_dir() -> Path:
    """``../shared/vendor`` beside the repo (CI's layout), else this machine's copy."""
    beside = REPO.parent / "shared" / "vendor"
    return beside if beside.is_dir() else Path("/work/shared/vendor")


@dataclass(frozen=True)
class VendorValidators:
    clap: Path
    vst3: Path


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False,
                          timeout=_BUILD_TIMEOUT, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        pytest.fail(f"building a validator failed: {' '.join(argv)}\n{tail}", pytrace=False)


def _build_clap(vendor: Path, out: Path) -> Path:
    env = {**os.environ, "CARGO_TARGET_DIR": str(out / "clap-validator")}
    _run(["cargo", "build", "--release", "--locked", "--manifest-path",
          str(vendor / "clap-validator" / "Cargo.toml")], env)
    return out / "clap-validator" / "release" / "clap-validator"


def _build_vst3(vendor: Path, out: Path) -> Path:
    missing = [tool for tool in ("cmake", "ninja") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: the VST3 validator is built from "
            f"{vendor / 'vst3sdk'} with cmake + ninja; install them "
            "(apt-get install cmake ninja-build)",
            pytrace=False,
        )
    build = out / "vst3"
    if not (build / "build.ninja").is_file():
        _run(["cmake", "-S", str(vendor / "vst3sdk"), "-B", str(build), "-G", "Ninja",
              "-DCMAKE_BUILD_TYPE=Release", "-DSMTG_ENABLE_VSTGUI_SUPPORT=OFF",
              "-DSMTG_ENABLE_VST3_HOSTING_EXAMPLES=OFF",
              "-DSMTG_ENABLE_VST3_PLUGIN_EXAMPLES=OFF", "-DSMTG_RUN_VST_VALIDATOR=OFF"])
    _run(["ninja", "-C", str(build), "validator"])
    return build / "bin" / "Release" / "validator"


@pytest.fixture(scope="session")
def vendor_validators(cargo_target_dir: Path) -> VendorValidators:
    vendor = vendor_dir()
    if not (vendor / "clap-validator").is_dir() or not (vendor / "vst3sdk").is_dir():
        pytest.fail(f"the vendored validators are missing: {vendor}", pytrace=False)
    out = cargo_target_dir / "validators"
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be building right now
        built = VendorValidators(clap=_build_clap(vendor, out), vst3=_build_vst3(vendor, out))
    assert built.clap.is_file() and built.vst3.is_file()
    return built


@pytest.fixture
def validator_env(
    vendor_validators: VendorValidators, monkeypatch: pytest.MonkeyPatch
) -> Iterator[VendorValidators]:
    """CLAP_VALIDATOR / VST3_VALIDATOR pointing at the vendored builds for one test."""
    monkeypatch.setenv("CLAP_VALIDATOR", str(vendor_validators.clap))
    monkeypatch.setenv("VST3_VALIDATOR", str(vendor_validators.vst3))
    yield vendor_validators
