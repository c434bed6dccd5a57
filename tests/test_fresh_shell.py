"""What ``wavecraft-build new`` tells a user to do next works in a shell that only has nox.

The project's noxfile declares wavecraft-build in a PEP 723 block; nox's script mode
installs it (from the local wheel, as an index would serve it) the first time a session
runs. Slow: a script-mode venv, the template's nice-plug build, npm and a release.
"""

from __future__ import annotations

import subprocess

import pytest
from fixtures_fresh import FreshShell

from wavecraft_build.scaffold import ScaffoldOptions, scaffold


@pytest.mark.slow
def test_next_lines_work_in_order_from_a_fresh_shell(fresh_shell: FreshShell) -> None:
    made = scaffold(ScaffoldOptions("fresh-synth", fresh_shell.cwd / "fresh-synth", git=False))
    # `new` prints paths relative to where it ran: the same folder the shell starts in.
    lines = [line.replace(str(fresh_shell.cwd) + "/", "") for line in made.next_commands]
    assert lines[0] == "cd fresh-synth", lines
    outputs = [fresh_shell.run(line) for line in lines]
    assert "_nox_script_mode" in outputs[1] or "nox >" in outputs[1]
    project = fresh_shell.cwd
    assert (project / ".nox" / "_nox_script_mode").is_dir()
    assert (project / "ui" / "src" / "generated" / "parameters.ts").is_file()
    assert "fresh-synth.vst3" in outputs[2] or "fresh_synth" in outputs[2], outputs[2][-2000:]
    print("fresh shell timings:", fresh_shell.seconds)


def test_noxfile_without_the_tool_says_so_in_one_line(fresh_shell: FreshShell) -> None:
    made = scaffold(ScaffoldOptions("lonely-synth", fresh_shell.cwd / "lonely", git=False))
    nox = fresh_shell.which("nox")
    assert nox is not None
    # Script mode off: nox loads the noxfile in its own environment, which lacks the tool.
    done = subprocess.run([nox, "-l"], cwd=made.project_dir,
                          env={**fresh_shell.env, "NOX_SCRIPT_MODE": "none"},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-2].startswith("error: wavecraft-build is not installed"), done.stderr
    assert lines[-1].strip().startswith("hint:") and "wavecraft-build==" in lines[-1]
