"""The README is executable: its commands are the ones CI and these tests run.

- The two set-up commands appear verbatim in .ci/run (CI runs them on a fresh machine).
- Every workflow command (``$ ...`` lines) is run here, in order, on a fresh scaffold.
- The plugin author's section (```console) runs in order from a fresh shell: a new venv, the
  tool installed from a local wheel (``fixtures_fresh``), ``--install`` into a temporary home.
- The configuration and error tables match the code they document.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_fresh import FreshShell

from wavecraft_build import errors
from wavecraft_build.config import CONFIG_KEYS

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def _blocks() -> list[list[str]]:
    return [
        [ln for ln in block.splitlines() if ln.strip()]
        for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    ]


def author_commands() -> list[str]:
    """The ``$ `` lines of the ```console blocks: the plugin author's section."""
    blocks = re.findall(r"```console\n(.*?)```", README, flags=re.S)
    return [ln[2:] for block in blocks for ln in block.splitlines() if ln.startswith("$ ")]


def setup_commands() -> list[str]:
    return [ln for block in _blocks() for ln in block if not ln.startswith("$ ")]


def workflow_commands() -> list[str]:
    return [
        ln[2:].split("#", 1)[0].strip()
        for block in _blocks() for ln in block if ln.startswith("$ ")
    ]


def test_exactly_two_setup_commands_and_ci_runs_both() -> None:
    commands = setup_commands()
    assert len(commands) == 2, commands
    assert "nox -s demo" in commands[0] and commands[1].endswith("tests")
    ci = (REPO / ".ci" / "run").read_text()
    for command in commands:
        assert command in ci.splitlines(), f"{command!r} is not a line of .ci/run"


def test_config_table_matches_the_code() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (.+?) \|", README, flags=re.M))
    for key, (default, _meaning) in CONFIG_KEYS.items():
        assert key in rows, key
        assert rows[key].strip("`") == default, (key, rows[key])
    assert set(rows) >= set(CONFIG_KEYS)


def test_error_table_matches_the_code() -> None:
    rows = {int(c): k for c, k in re.findall(r"^\| (\d+) \| ([a-z0-9 -]+?) \|", README, flags=re.M)}
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.WavecraftError)
               and c is not errors.WavecraftError
               and c.exit_code != getattr(c.__mro__[1], "exit_code", None)]  # shares a code
    assert rows == {c.exit_code: c.kind for c in classes}


def _known(command: str) -> bool:
    return command.split()[:2] in (["wavecraft-build", "new"], ["cd", "my-synth"]) or (
        command.startswith(("wavecraft-build ", "nox -s "))
    )


def test_every_workflow_command_is_handled() -> None:
    commands = workflow_commands()
    assert commands and all(_known(c) for c in commands), commands


@pytest.mark.slow
def test_workflow_commands_run_in_order(tmp_path: Path, cargo_target_dir: Path) -> None:
    # This venv's tools, as after the author section's install. HOME stays: rustup finds
    # its toolchains through it. No command here installs anything.
    tool_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir),
           "PATH": f"{tool_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("WAVECRAFT_FIXTURE_MODE", None)
    shell = FreshShell(env, tmp_path)
    for command in workflow_commands():
        out = shell.run(command)
        if "extract" in command:
            assert '"id": "input_gain_level"' in out
    assert (shell.cwd / "ui" / "src" / "generated" / "parameters.ts").is_file()


def test_author_section_installs_scaffolds_develops_and_releases() -> None:
    commands = author_commands()
    assert commands[0].startswith("python3 -m pip install nox wavecraft-build"), commands
    words = [c.split("#")[0].split() for c in commands]
    assert ["wavecraft-build", "new", "my-synth"] in words and ["cd", "my-synth"] in words
    for session in (["nox", "-s", "dev"], ["nox", "-s", "release"]):
        assert session in words, commands
    assert any("--install" in w for w in words)


@pytest.mark.slow
def test_author_section_runs_from_a_fresh_shell(fresh_shell: FreshShell, tmp_path: Path) -> None:
    # "a venv works too": the install line must not touch this machine's own Python.
    python3 = fresh_shell.which("python3")
    assert python3 is not None
    venv = tmp_path / "author-venv"
    subprocess.run([python3, "-m", "venv", str(venv)], check=True, timeout=300)
    fresh_shell.env["PATH"] = f"{venv / 'bin'}{os.pathsep}{fresh_shell.env['PATH']}"
    fresh_shell.env["VIRTUAL_ENV"] = str(venv)
    home = tmp_path / "home"
    home.mkdir()
    real_home = Path.home()
    install_env = {  # --install writes into HOME: a temporary one, with the real tool homes
        "HOME": str(home),
        "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", str(real_home / ".rustup")),
        "CARGO_HOME": os.environ.get("CARGO_HOME", str(real_home / ".cargo")),
        "npm_config_cache": str(real_home / ".npm"),
    }
    outputs = {}
    for command in author_commands():
        extra = install_env if "--install" in command else None
        outputs[command] = fresh_shell.run(command, extra_env=extra)
    new_output = next(out for cmd, out in outputs.items() if " new " in cmd)
    assert "Next:" in new_output and "nox -s dev" in new_output
    assert list((home / ".vst3").glob("*.vst3")) and list((home / ".clap").glob("*.clap"))
    print("README author section timings (s):",
          {cmd.split("#")[0].strip(): round(t, 1) for cmd, t in fresh_shell.seconds.items()})
