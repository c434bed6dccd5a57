"""The GitHub Actions workflows ``new`` scaffolds: linted, made of project sessions, run here.

Only the Linux runner exists on this machine: the workflows of a fresh scaffold are linted by
actionlint with its shellcheck integration (macOS, Windows, signing and the release upload are
only linted), and the Linux job's sessions are run here, in the workflow's order, on a fresh
scaffold (``test_linux_job_sessions_run_here_in_order``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixtures_validators import VendorValidators
from helpers import REPO

from wavecraft_build.cli import main
from wavecraft_build.nox import SESSIONS
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

WORKFLOWS = (".github/workflows/ci.yml", ".github/workflows/release.yml")
#: The Linux job's sessions, in order: what CI runs and what this file runs here.
LINUX_SESSIONS = ["test", "release", "validate"]
_NOX = re.compile(r"nox -s (\w+)(?: -- (.*))?")


def _actionlint() -> str:
    found = REPO / ".ci" / "bin" / "actionlint"
    if found.is_file():
        return str(found)
    on_path = shutil.which("actionlint")
    if on_path is None:
        pytest.fail("actionlint is missing: GOBIN=$PWD/.ci/bin go install "
                    "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 (see .ci/run)",
                    pytrace=False)
    return on_path


def _shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        pytest.fail("shellcheck is missing: apt-get install shellcheck", pytrace=False)
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ci") / "ci-synth"
    scaffold(ScaffoldOptions(name="ci-synth", directory=root, git=False))
    return root


def _lint(files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_actionlint(), f"-shellcheck={_shellcheck()}", "-no-color", *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )


def test_fresh_scaffold_workflows_pass_actionlint_with_shellcheck(
    project: Path, tmp_path: Path
) -> None:
    files = [project / rel for rel in WORKFLOWS]
    done = _lint(files)
    assert done.returncode == 0, done.stdout + done.stderr
    # The same lint catches a shell mistake in a run: step: shellcheck is really on.
    broken = tmp_path / ".github" / "workflows" / "ci.yml"
    broken.parent.mkdir(parents=True)
    text = files[0].read_text()
    broken.write_text(text.replace('echo "$HOME/validators/bin"', "echo $HOME/validators/bin"))
    caught = _lint([broken])
    assert caught.returncode != 0 and "SC2086" in caught.stdout, caught.stdout


def test_new_no_ci_writes_no_workflows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "quiet-synth", "--dir", str(tmp_path / "q"), "--no-git", "--no-ci"]) == 0
    assert not (tmp_path / "q" / ".github").exists()
    assert (tmp_path / "q" / "noxfile.py").is_file()  # the rest is there
    assert main(["new", "loud-synth", "--dir", str(tmp_path / "l"), "--no-git"]) == 0
    assert sorted(p.name for p in (tmp_path / "l" / ".github" / "workflows").iterdir()) == [
        "ci.yml", "release.yml"]


def _steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job, step) for job, spec in workflow["jobs"].items()
            for step in spec.get("steps", [])]


def _documented_setup(project: Path) -> set[str]:
    """The setup commands the project's README lists ("**Name**:") under CI."""
    readme = (project / "README.md").read_text()
    section = readme.split("## Continuous integration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- \*\*(.+?)\*\*:", section, re.M))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def test_every_run_step_is_a_session_or_a_documented_setup_command(project: Path) -> None:
    documented = _documented_setup(project)
    named_setup: set[str] = set()
    sessions: list[str] = []
    for rel in WORKFLOWS:
        for job, step in _steps(_load(project / rel)):
            if "run" not in step:
                assert "uses" in step, (rel, job, step)
                # Actions pinned by version, never a moving branch.
                assert re.search(r"@v?\d", step["uses"]) or step["uses"].startswith("./"), step
                continue
            command = " ".join(step["run"].split())
            match = _NOX.fullmatch(command)
            if match:
                sessions.append(match.group(1))
                continue
            assert step.get("name") in documented, (
                f"{rel} job {job}: a run: step that is neither `nox -s SESSION` nor a setup "
                f"command the README documents: {step.get('name')!r}: {command[:80]}")
            named_setup.add(step["name"])
    assert named_setup == documented  # and the README lists nothing that is not there
    assert set(sessions) <= set(SESSIONS), sessions


def _linux_sessions(project: Path) -> list[tuple[str, list[str]]]:
    """(session, argv after --) of each nox step the ubuntu job runs, in order; the
    matrix flags and an empty tag (a push, not a tag) substituted as on that runner."""
    workflow = _load(project / WORKFLOWS[0])
    job = workflow["jobs"]["build"]
    linux = [m for m in job["strategy"]["matrix"]["include"] if m["os"].startswith("ubuntu")]
    assert len(linux) == 1
    out = []
    for step in job["steps"]:
        match = _NOX.fullmatch(" ".join(str(step.get("run", "")).split()))
        if match is None:
            continue
        args = (match.group(2) or "").replace("${{ inputs.tag }}", "")
        args = args.replace("${{ matrix.release-flags }}", linux[0]["release-flags"])
        out.append((match.group(1), shlex.split(args)))
    return out


def test_linux_job_runs_the_sessions_the_tests_run_in_the_same_order(project: Path) -> None:
    assert [name for name, _args in _linux_sessions(project)] == LINUX_SESSIONS


@pytest.mark.slow
def test_linux_job_sessions_run_here_in_order(
    project: Path, cargo_target_dir: Path, vendor_validators: VendorValidators,
) -> None:
    """The ubuntu job's nox steps, verbatim, through the real nox in a fresh scaffold (this
    environment's wavecraft-build, no script-mode install; the shared target dir)."""
    env = {**os.environ, "CARGO_TARGET_DIR": str(cargo_target_dir), "NOX_SCRIPT_MODE": "none",
           "CLAP_VALIDATOR": str(vendor_validators.clap),
           "VST3_VALIDATOR": str(vendor_validators.vst3)}
    ran = []
    for name, args in _linux_sessions(project):
        argv = [sys.executable, "-m", "nox", "-s", name, "--", *args]
        if name == "release":
            argv.append("--no-ui")  # npm ci of the template UI: covered by the release tests
        done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True,
                              timeout=1500, check=False, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"nox -s {name}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
        ran.append(name)
    assert ran == LINUX_SESSIONS
    bundled = project / "bundled"
    assert {p.suffix for p in bundled.iterdir()} >= {".vst3", ".clap", ".whl", ".json"}
