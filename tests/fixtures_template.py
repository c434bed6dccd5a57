"""Session fixtures for the real plugin template: scaffold once, build it both ways.

``template_project`` renders ``templates/`` with ``wavecraft-build new``'s code into a tmp
folder and builds the untouched result twice in the shared ``cargo_target_dir`` (so
nice-plug compiles once per target dir): ``cargo build --lib --features _param-discovery``
and ``cargo build --release``. Artifact paths come from cargo's ``compiler-artifact``
messages, never from guessing; the libraries are copied so no later build can change them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from wavecraft_build.scaffold import ScaffoldOptions, ScaffoldResult, scaffold

__all__ = ["TemplateProject", "cargo_cdylib", "cargo_env", "copy_sdk", "run_cargo",
           "template_project"]

TEMPLATE_NAME = "wc-template-test"
BUILD_TIMEOUT = 1800.0


@dataclass(frozen=True)
class TemplateProject:
    """A freshly scaffolded, unedited project and its two built libraries."""

    project_dir: Path
    engine_dir: Path
    scaffold: ScaffoldResult
    #: Every file as scaffolded, before any build (project-relative posix path -> bytes).
    rendered: dict[str, bytes]
    discovery_lib: Path
    release_lib: Path
    build_seconds: dict[str, float]


def cargo_env(target_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CARGO_TARGET_DIR"] = str(target_dir)
    env.pop("RUSTFLAGS", None)  # a stray flag would rebuild nice-plug for nothing
    return env


def run_cargo(
    crate_dir: Path, args: list[str], target_dir: Path
) -> subprocess.CompletedProcess[str]:
    """Plain ``cargo <args>`` in ``crate_dir``, as the plugin author would type it."""
    cargo = shutil.which("cargo")
    assert cargo is not None, "cargo is not on PATH"
    return subprocess.run(
        [cargo, *args],
        cwd=crate_dir,
        env=cargo_env(target_dir),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )


def copy_sdk(dest: Path) -> Path:
    """The SDK crates (``templates/sdk/wavecraft-sdk`` and the ``wavecraft-webview`` crate it
    depends on by path) copied below ``dest``, with the template's lock, which pins the same
    versions the other template builds use. Returns the SDK's folder."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    for crate in ("wavecraft-sdk", "wavecraft-webview"):
        shutil.copytree(templates / "sdk" / crate, dest / crate,
                        ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    sdk = dest / "wavecraft-sdk"
    shutil.copy2(templates / "plugin" / "engine" / "Cargo.lock", sdk / "Cargo.lock")
    return sdk


def cargo_cdylib(manifest_dir: Path, args: list[str], target_dir: Path) -> Path:
    """Run ``cargo build <args>`` and return the cdylib cargo reports."""
    done = run_cargo(
        manifest_dir, ["build", *args, "--message-format=json-render-diagnostics"], target_dir
    )
    assert done.returncode == 0, f"cargo build {' '.join(args)} failed:\n{done.stderr[-4000:]}"
    libraries = []
    for line in done.stdout.splitlines():
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            continue
        if "cdylib" not in message["target"]["kind"]:
            continue
        libraries += [
            Path(name) for name in message["filenames"] if name.endswith((".so", ".dylib", ".dll"))
        ]
    assert len(libraries) == 1, f"expected one cdylib from cargo, got {libraries}"
    return libraries[0]


@pytest.fixture(scope="session")
def template_project(
    tmp_path_factory: pytest.TempPathFactory, cargo_target_dir: Path
) -> TemplateProject:
    root = tmp_path_factory.mktemp("template")
    result = scaffold(
        ScaffoldOptions(
            name=TEMPLATE_NAME,
            directory=root / TEMPLATE_NAME,
            vendor="Wavecraft Tests",
            email="tests@example.com",
            url="https://example.com",
            git=False,
        )
    )
    engine = result.project_dir / "engine"
    rendered = {
        p.relative_to(result.project_dir).as_posix(): p.read_bytes()
        for p in sorted(result.project_dir.rglob("*"))
        if p.is_file()
    }
    libs = root / "libs"
    libs.mkdir()
    seconds: dict[str, float] = {}
    built: dict[str, Path] = {}
    for kind, args in (
        ("discovery", ["--lib", "--features", "_param-discovery"]),
        ("release", ["--release"]),
    ):
        start = time.monotonic()
        artifact = cargo_cdylib(engine, args, cargo_target_dir)
        seconds[kind] = time.monotonic() - start
        dest = libs / kind / artifact.name
        dest.parent.mkdir()
        shutil.copy2(artifact, dest)
        built[kind] = dest
    return TemplateProject(
        project_dir=result.project_dir,
        engine_dir=engine,
        scaffold=result,
        rendered=rendered,
        discovery_lib=built["discovery"],
        release_lib=built["release"],
        build_seconds=seconds,
    )
