"""Plugin validators on released bundles: the real clap-validator and Steinberg's VST3
validator (built from ../shared/vendor once per run), a missing one, a hanging one."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_editor import ReleasedEditor
from fixtures_release import ReleasedTemplate
from fixtures_validators import VendorValidators
from helpers import live_processes

from wavecraft_build import _proc
from wavecraft_build.cli import main
from wavecraft_build.config import ProjectConfig
from wavecraft_build.doctor import check_clap_validator, check_vst3_validator
from wavecraft_build.release import ReleaseOptions, release, validate


@pytest.fixture
def released_fixture(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> tuple[ProjectConfig, Path]:
    """The std-only fixture crate released: real bundles without plugin entry points."""
    project = fixture_release_project()
    report = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=tmp_path / "out"))
    return project, report.out_dir


@pytest.fixture
def no_validators(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CLAP_VALIDATOR", raising=False)
    monkeypatch.delenv("VST3_VALIDATOR", raising=False)
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_missing_validators_are_named_with_how_to_get_them(
    released_fixture: tuple[ProjectConfig, Path], no_validators: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _project, out = released_fixture
    assert main(["validate", "--out", str(out)]) == 3  # tool missing: nothing could run
    stdout, stderr = capsys.readouterr()
    assert "not installed" in stdout and "github.com/free-audio/clap-validator" in stdout
    assert "steinbergmedia/vst3sdk" in stdout and "VST3_VALIDATOR" in stdout
    assert "error[tool-missing]" in stderr or "error[" in stderr


def test_doctor_lists_the_validators_as_optional(
    no_validators: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for check in (check_clap_validator(), check_vst3_validator()):
        assert not check.ok and not check.required and "PATH" in check.fix
    fake = tmp_path / "clap-validator"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert check_clap_validator().ok and check_clap_validator().detail == str(fake)


def test_a_hanging_validator_is_killed_with_its_group_and_reported(
    released_fixture: tuple[ProjectConfig, Path], no_validators: None,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    _project, out = released_fixture
    script = tmp_path / "hanging-validator"
    sleep = shutil.which("sleep", path=os.defpath)
    # The validator starts a child of its own: the whole group must go at the timeout.
    script.write_text(f"#!/bin/sh\n{sleep} 317 &\nwait\n")
    script.chmod(0o755)
    monkeypatch.setenv("CLAP_VALIDATOR", str(script))
    start = time.monotonic()
    code = main(["validate", "--out", str(out), "--validator-timeout", "1"])
    assert code == 24
    assert time.monotonic() - start < 60  # generous: the point is that it returns at all
    stdout, stderr = capsys.readouterr()
    assert "timed out after 1 s" in stdout and "error[release]" in stderr, stdout
    assert live_processes(lambda argv: argv[1:2] == [b"317"] and argv[0].endswith(b"sleep")) == []


def test_real_validators_fail_a_library_without_plugin_entry_points(
    released_fixture: tuple[ProjectConfig, Path], validator_env: VendorValidators,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _project, out = released_fixture
    assert main(["validate", "--out", str(out), "--json"]) == 24
    runs = json.loads(capsys.readouterr().out)["validators"]
    assert [(r["format"], r["ok"], r["installed"]) for r in runs] == [
        ("clap", False, True), ("vst3", False, True)]
    assert "clap_entry" in runs[0]["error"] and "ModuleEntry" in runs[1]["error"]


def test_release_validate_runs_after_publishing(
    fixture_release_project: Callable[[], ProjectConfig], validator_env: VendorValidators,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    project = fixture_release_project()
    out = tmp_path / "out"
    code = main(["release", "--project", str(project.root), "--no-ui", "--no-wheel",
                 "--out", str(out), "--validate", "-q"])
    assert code == 24 and (out / "manifest.json").is_file()
    stdout = capsys.readouterr().out
    assert "format  validator" in stdout and "FAILED CLAP" in stdout


_VST3_TEXT = """\
[Scan Parameters]
Info:  Warning: No bypass parameter found. Is this intended ?
[Succeeded]

[Process Test: Sample accurate]
ERROR: process returned kResultFalse
[XXXXXXX Failed]

-------------------------------------------------------------
Result: 536 tests passed, 1 tests failed
-------------------------------------------------------------
"""


def test_vst3_text_report_is_parsed_per_test() -> None:
    run = validate.ValidationRun("vst3", "vst3 validator", "validator", "x.vst3")
    validate._parse_vst3(run, _proc.Completed(1, _VST3_TEXT, ""))
    assert (run.passed, run.failed, run.warnings) == (536, 1, 1)
    assert run.failures == [validate.Failure("Process Test", "process returned kResultFalse")]
    assert run.warned[0].test == "Scan Parameters" and not run.ok


def _one_test(name: str, program: str, bundle: Path) -> list[str]:
    return [program, "validate", "--json", "--hide-output", "-t", f"^{name}$", str(bundle)]


def _clean_timing_warnings(run: validate.ValidationRun, bundle: Path) -> None:
    """clap-validator's ``process-audio-denormals`` compares two wall-clock timings of a few
    ms (its own docs: "results ... depending on the target system"); on 2 busy cores one
    sample can exceed its 2x threshold. Re-run just that test: a real problem repeats."""
    for warned in list(run.warned):
        if warned.test != "process-audio-denormals":
            continue
        only = dataclasses.replace(validate.CLAP, argv=functools.partial(_one_test, warned.test))
        for _ in range(4):
            again = validate.run_validators({"clap": bundle}, validators=(only,))[0]
            if again.passed == 1:
                run.warned.remove(warned)
                run.warnings -= 1
                run.passed += 1
                break


@pytest.mark.slow
def test_template_release_passes_clap_validator_and_vst3_validator(
    released_template: ReleasedTemplate, validator_env: VendorValidators
) -> None:
    _validators_pass(released_template.report.out_dir)


@pytest.mark.slow
def test_template_release_with_its_editor_passes_both_validators(
    released_editor: ReleasedEditor, validator_env: VendorValidators, xvfb_display: str
) -> None:
    """The bundles with the editor (the CLAP gui extension, the VST3 view) stay at 0 failed,
    with an X server there for any validator that opens a view."""
    _validators_pass(released_editor.report.out_dir)


def _validators_pass(out_dir: Path) -> None:
    bundles = validate.bundles_of(out_dir)
    clap, vst3 = validate.run_validators(bundles, timeout=600)
    _clean_timing_warnings(clap, bundles["clap"])
    table = validate.format_table([clap, vst3])
    assert clap.error is None and clap.failed == 0 and clap.warnings == 0, table
    assert clap.passed >= 30, table
    assert vst3.error is None and vst3.failed == 0 and vst3.passed >= 500, table
