"""TypeScript toolchain fixtures: a pinned ``tsc`` (and React types) installed once from npm.

``tests/ts/package.json`` + ``package-lock.json`` pin the versions. The session fixture
installs them with ``npm ci`` into ``.test-target/ts-tools`` (gitignored) and reuses that
install across runs while the lock file is unchanged. A missing npm/node fails under
CI (``required_tools``) and skips, saying why, only locally; an install failure is an error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from required_tools import require_tool

TS_DIR = Path(__file__).resolve().parent / "ts"
REPO = TS_DIR.parent.parent

#: Strict settings a plugin's UI should compile with; generated files must pass them.
TSCONFIG: dict[str, object] = {
    "compilerOptions": {
        "strict": True,
        "jsx": "react-jsx",
        "target": "es2022",
        "module": "esnext",
        "moduleResolution": "bundler",
        "lib": ["es2022", "dom"],
        "noUnusedLocals": True,
        "noUnusedParameters": True,
        "noUncheckedIndexedAccess": True,
        "exactOptionalPropertyTypes": True,
        "isolatedModules": True,
        "skipLibCheck": True,
    },
    "include": ["src"],
}


@dataclass(frozen=True)
class TsTools:
    """The installed toolchain: ``node_modules`` and the ``tsc`` inside it."""

    node_modules: Path

    @property
    def tsc(self) -> Path:
        return self.node_modules / ".bin" / "tsc"

    def prepare(self, ui_dir: Path, *, emit_to: Path | None = None) -> Path:
        """Write a strict tsconfig into ``ui_dir`` and link node_modules; return the config."""
        config = json.loads(json.dumps(TSCONFIG))
        if emit_to is not None:
            config["compilerOptions"]["outDir"] = str(emit_to)
            config["compilerOptions"]["rootDir"] = str(ui_dir / "src")
        path = ui_dir / "tsconfig.json"
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        link = ui_dir / "node_modules"
        if not link.exists():
            link.symlink_to(self.node_modules, target_is_directory=True)
        return path

    def check(self, ui_dir: Path) -> subprocess.CompletedProcess[str]:
        """``tsc --noEmit`` over ``ui_dir/src`` with the strict config; never raises."""
        config = self.prepare(ui_dir)
        return subprocess.run(
            [str(self.tsc), "--noEmit", "--pretty", "false", "-p", str(config)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def emit(self, ui_dir: Path, out_dir: Path) -> None:
        """Compile ``ui_dir/src`` to ES modules in ``out_dir`` (for running under node)."""
        config = self.prepare(ui_dir, emit_to=out_dir)
        proc = subprocess.run(
            [str(self.tsc), "--pretty", "false", "-p", str(config)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (out_dir / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")


@pytest.fixture(scope="session")
def ts_tools() -> TsTools:
    npm = require_tool("npm", "install Node.js 20+ with npm (apt-get install nodejs npm)")
    require_tool("node", "install Node.js 20+ (apt-get install nodejs)")
    root = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target")) / "ts-tools"
    root.mkdir(parents=True, exist_ok=True)
    lock = (TS_DIR / "package-lock.json").read_bytes()
    stamp = root / "installed-lock.json"
    tools = TsTools(root / "node_modules")
    if not (stamp.is_file() and stamp.read_bytes() == lock and tools.tsc.exists()):
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(TS_DIR / name, root / name)
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=540,
            check=False,
        )
        assert proc.returncode == 0, f"npm ci failed in {root}:\n{proc.stdout}{proc.stderr}"
        stamp.write_bytes(lock)
    return tools
