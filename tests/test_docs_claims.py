"""What the README and the docs promise is what the tool does.

- every option named with a command (`wavecraft-build CMD --x`, `nox -s CMD -- --x`) is an
  option of that command, and every option named alone is an option of some command;
- every documented ``[tool.wavecraft]`` key is accepted with its documented default, and
  every accepted key is documented; ``[package.metadata.wavecraft]`` keys are read;
- the paths the README promises are where the tool writes (the release's default folder,
  the bundle names, the project's files);
- the README's "Writing your plugin" edit, applied to a fresh scaffold, builds and its group's
  control appears (slow: the real template).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_release import ReleasedTemplate
from fixtures_ts import TsTools
from required_tools import path_without

from wavecraft_build._docs import cli_commands
from wavecraft_build.cli import main
from wavecraft_build.config import CONFIG_KEYS, load_project
from wavecraft_build.errors import ConfigError
from wavecraft_build.nox import _PASSTHROUGH
from wavecraft_build.release.identity import plugin_identity
from wavecraft_build.release.validate import default_out_dir
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()
DOCS = {p: p.read_text() for p in sorted((REPO / "docs").rglob("*.md"))
        if "incoming" not in p.relative_to(REPO / "docs").parts}
#: Options of other tools that the docs name as such (cargo, pytest, node, sccache, nox).
FOREIGN = {"--message-format", "--features", "--lib", "--strict-tools", "--stop-server",
           "--show-stats", "--stats-format", "--crate-type", "--experimental-websocket",
           "--config", "--release", "--script-mode", "--snapshot-update"}


def _mentions(text: str) -> list[str]:
    """Inline code spans and the lines of code blocks (without a ``$ `` prompt)."""
    spans = re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text)
    blocks = re.findall(r"```(?:sh|console|text|bash)?\n(.*?)```", text, flags=re.S)
    lines = [ln.removeprefix("$ ") for b in blocks for ln in b.splitlines()]
    return [m.split("#", 1)[0].strip() for m in [*spans, *lines]]


def _command_and_flags(mention: str) -> tuple[str | None, list[str]]:
    try:
        argv = shlex.split(mention)
    except ValueError:
        argv = mention.split()
    flags = [a.split("=", 1)[0] for a in argv if re.match(r"^--?[a-z]", a)]
    if argv[:1] == ["wavecraft-build"] and len(argv) > 1 and argv[1] in cli_commands():
        return argv[1], flags
    if argv[:3] == ["python3", "-m", "wavecraft_build.cli"] and len(argv) > 3:
        return argv[3], flags
    if argv[:2] == ["nox", "-s"] and "--" in argv and argv[2] in cli_commands():
        after = argv[argv.index("--") + 1:]
        # A passthrough session (`test`) hands pytest what it does not know: short options
        # are pytest's, long ones must be the command's (or pytest's, listed in FOREIGN).
        own = [a for a in after if a.startswith("--") or argv[2] not in _PASSTHROUGH]
        return argv[2], [a.split("=", 1)[0] for a in own if a.startswith("-")]
    if argv and re.match(r"^--[a-z]", argv[0]):
        return None, [argv[0].split("=", 1)[0]]
    return None, []


def _options(command: str) -> set[str]:
    parser = cli_commands()[command]
    return {s for action in parser._actions for s in action.option_strings}


def test_every_option_named_exists_on_its_command() -> None:
    everywhere = set().union(*(_options(c) for c in cli_commands()))
    wrong, checked = [], 0
    for where, text in [(REPO / "README.md", README), *DOCS.items()]:
        for mention in _mentions(text):
            command, flags = _command_and_flags(mention)
            for flag in flags:
                checked += 1
                if command is not None:
                    if command not in cli_commands() or flag not in _options(command):
                        wrong.append(f"{where.name}: `{mention}`: {command} has no {flag}")
                elif flag not in everywhere | FOREIGN:
                    wrong.append(f"{where.name}: `{mention}`: no command has {flag}")
    assert checked > 30, checked  # the scan sees the docs' options at all
    assert not wrong, "\n".join(wrong)


def test_the_scan_catches_a_wrong_option() -> None:
    assert _command_and_flags("wavecraft-build dev --quiet") == ("dev", ["--quiet"])
    assert _command_and_flags("nox -s release -- --install") == ("release", ["--install"])
    assert "--instal" not in _options("release")


def _project(root: Path, table: str) -> Path:
    (root / "engine").mkdir(parents=True)
    (root / "engine" / "Cargo.toml").write_text(
        '[package]\nname = "claims"\nversion = "0.1.0"\n\n[package.metadata.wavecraft]\n'
        'name = "Claims Synth"\nbundle-id = "com.example.claims"\n'
    )
    (root / "pyproject.toml").write_text(f"[tool.wavecraft]\n{table}\n")
    return root


def test_every_documented_key_is_accepted_with_its_documented_default(tmp_path: Path) -> None:
    documented = re.findall(r"^\| `([a-z-]+)` \| ", README, flags=re.M)
    assert documented == list(CONFIG_KEYS)  # and every accepted key is documented
    lines = [f"{key} = {k.default.replace('<lib>', 'claims')}"
             for key, k in CONFIG_KEYS.items() if k.default != "(none)"]
    project = load_project(_project(tmp_path / "all", "\n".join(lines)))
    assert project.engine == (tmp_path / "all" / "engine").resolve()
    with pytest.raises(ConfigError, match="unknown key"):
        load_project(_project(tmp_path / "typo", 'engien = "engine"'))
    everything = README + "".join(DOCS.values())
    named = re.findall(r"`\[tool\.wavecraft\] ([a-z-]+)", everything)
    named += re.findall(r"\[tool\.wavecraft\]`? `([a-z][a-z-]*)", everything)
    assert named and not set(named) - set(CONFIG_KEYS), named


def test_package_metadata_keys_are_read(tmp_path: Path) -> None:
    identity = plugin_identity(load_project(_project(tmp_path, "")))
    assert (identity.name, identity.identifier) == ("Claims Synth", "com.example.claims")
    assert "`[package.metadata.wavecraft]`" in README
    assert "`name`" in README and "`bundle-id`" in README


def test_release_writes_to_engine_target_bundled_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARGO_TARGET_DIR", raising=False)
    project_dir = scaffold(ScaffoldOptions(name="paths", directory=tmp_path / "p",
                                           git=False)).project_dir
    out = default_out_dir(load_project(project_dir))
    assert out == (project_dir / "engine" / "target" / "bundled").resolve()
    assert "`engine/target/bundled/`" in README
    assert "engine/target/bundled/" in scaffold_next(tmp_path)
    assert "target/bundled" not in README.replace("engine/target/bundled", "")


def scaffold_next(tmp_path: Path) -> str:
    return "\n".join(scaffold(ScaffoldOptions(name="nxt", directory=tmp_path / "n",
                                              git=False)).next_commands)


@pytest.mark.slow
def test_released_files_are_where_the_readme_says(released_template: ReleasedTemplate) -> None:
    report, project = released_template.report, released_template.project
    name = report.identity.name
    assert report.bundles["vst3"].name == f"{name}.vst3"  # README: NAME.vst3, NAME.clap
    assert report.bundles["clap"].name == f"{name}.clap"
    assert report.manifest == report.out_dir / "manifest.json"
    assert list(report.out_dir.glob("*.whl"))
    table = README.split("## Your project's files", 1)[1].split("\n## ", 1)[0]
    promised = re.findall(r"^\| `([^`]+)`", table, flags=re.M)
    missing = []
    for path in promised:
        real = project.root / path.replace("<lib>", project.lib_name)
        if not real.exists():
            missing.append(path)
    assert not missing, missing
    ignored = (project.root / ".gitignore").read_text()
    for path in (".wavecraft/", ".nox/", "node_modules/", "target/"):
        assert path in ignored, path


def _readme_edit() -> tuple[str, list[str]]:
    section = README.split("## Writing your plugin", 1)[1].split("\n## ", 1)[0]
    rust = re.findall(r"```rust\n(.*?)```", section, flags=re.S)
    diffs = re.findall(r"```diff\n(.*?)```", section, flags=re.S)
    assert len(rust) == 1 and len(diffs) == 2, (len(rust), len(diffs))
    return rust[0], diffs


def _apply(project: Path, diff: str) -> None:
    done = subprocess.run(["git", "apply", "--verbose", "-"], input=diff, cwd=project,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_writing_your_plugin_edit_builds_and_its_control_appears(
    tmp_path: Path, cargo_target_dir: Path, monkeypatch: pytest.MonkeyPatch, ts_tools: TsTools
) -> None:
    monkeypatch.setenv("CARGO_TARGET_DIR", str(cargo_target_dir))
    project = scaffold(ScaffoldOptions(name="guide-synth", directory=tmp_path / "guide",
                                       git=False)).project_dir
    assert main(["build", "--project", str(project), "--quiet"]) == 0
    drive, (engine_diff, ui_diff) = _readme_edit()
    (project / "engine" / "src" / "processors" / "drive.rs").write_text(drive)
    _apply(project, engine_diff)
    assert main(["build", "--project", str(project), "--quiet"]) == 0
    state = json.loads((project / ".wavecraft" / "params.json").read_text())
    ids = [p["id"] for p in state["parameters"]]
    assert ids[1:3] == ["drive_amount", "drive_mix"] and len(ids) == 8, ids
    assert "8 parameters (+drive_amount, +drive_mix)" in " ".join(README.split())
    components = project / "ui" / "src" / "components"
    stub = (components / "DriveControls.tsx").read_text()
    assert '<FloatSlider id="drive_amount" />' in stub and '<FloatSlider id="drive_mix" />' in stub
    _apply(project, ui_diff)  # the README's placement applies to the index the build wrote
    assert "<DriveControls />" in (components / "index.tsx").read_text()
    # tsc over App, the stubs (with the placed DriveControls) and the bindings; main.tsx only
    # mounts App and needs react-dom and Vite's CSS types, which the test toolchain lacks.
    (project / "ui" / "src" / "main.tsx").unlink()
    checked = ts_tools.check(project / "ui")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
def test_the_template_readme_without_nox_block_runs_in_one_shell(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    """One bash, in order, with no wavecraft-build on PATH: only python3 (this venv's)."""
    project = scaffold(ScaffoldOptions(name="no-nox", directory=tmp_path / "no-nox",
                                       git=False)).project_dir
    text = (project / "README.md").read_text()
    block = text.split("Without nox", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = block.strip().splitlines()
    assert lines[0].startswith("python3 -m pip install"), lines  # needs an index: not run here
    wrapper = tmp_path / "bin"
    wrapper.mkdir()
    (wrapper / "python3").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    (wrapper / "python3").chmod(0o755)
    path = f"{wrapper}{os.pathsep}{path_without(tmp_path / 'shadow', 'wavecraft-build')}"
    env = {**os.environ, "PATH": path, "CARGO_TARGET_DIR": str(cargo_target_dir)}
    assert shutil.which("wavecraft-build", path=path) is None
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(lines[1:])], cwd=project,
                          env=env, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert '"id": "input_gain_level"' in done.stdout
    assert (project / "ui" / "src" / "generated" / "parameters.ts").is_file()
