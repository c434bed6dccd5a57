"""The README is executable: its commands are the ones CI and these tests run.

- The two set-up commands appear verbatim in .ci/run (CI runs them on a fresh machine).
- Every workflow command (``$ ...`` lines) is run here, in order, on a fresh scaffold.
- The configuration and error tables match the code they document.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wavecraft_build import errors
from wavecraft_build.config import CONFIG_KEYS

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def _blocks() -> list[list[str]]:
    return [
        [ln for ln in block.splitlines() if ln.strip()]
        for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    ]


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
               and c not in (errors.WavecraftError, errors.DuplicateId)]
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
    # HOME stays: rustup finds its toolchains through it. No command here installs anything.
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir)}
    env.pop("WAVECRAFT_FIXTURE_MODE", None)
    cwd = tmp_path
    bindir = Path(sys.executable).parent
    for command in workflow_commands():
        argv = shlex.split(command)
        if argv[0] == "cd":
            cwd = cwd / argv[1]
            continue
        if argv[0] == "wavecraft-build":
            argv = [sys.executable, "-m", "wavecraft_build.cli", *argv[1:]]
        elif argv[0] == "nox":
            argv = [sys.executable, "-m", "nox", *argv[1:]]
        if argv[-2:] == ["-s", "dev"]:
            _run_dev_until_reload(argv, cwd, env)
            continue
        out = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                             timeout=1800, check=False)
        assert out.returncode == 0, f"{command}: {out.stdout[-2000:]}\n{out.stderr[-2000:]}"
        if "extract" in argv:
            assert '"id": "input_gain_level"' in out.stdout
    assert (cwd / "ui" / "src" / "generated" / "parameters.ts").is_file()
    assert bindir.is_dir()


def _run_dev_until_reload(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.Popen([*argv, "--", "--no-ui"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 600
    with proc.stdout:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            seen.append(line)
            if "Watching" in line or time.monotonic() > deadline:
                break
        # Ctrl-C reaches the whole foreground group in a terminal: do the same here.
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=10)
    text = "".join(seen)
    assert "Hot-reload complete — 6 parameters" in text, text
