"""Release and parameter ids: the id lock across releases, and bindings never stale.

Both on the std-only fixture crate. The "UI" of the stale-binding tests is a real npm
package whose build script plays tsc: it fails like a TypeScript error when an id the UI
uses is missing from the generated bindings, and logs the ids it was built against.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import snapshot_tree

from benchmarks.devloop import DevProcess
from wavecraft_build.cli import main
from wavecraft_build.config import ProjectConfig, load_project
from wavecraft_build.errors import CodegenError, ReleaseError
from wavecraft_build.pipeline import BUILD_STEPS, Context, load_state, run
from wavecraft_build.release import ReleaseOptions, lock, release

FAST = ReleaseOptions(ui=False, wheel=False)
IDS = ["gain_level", "gain_mute", "filter_cutoff", "filter_shape"]


def _edit(path: Path, old: str, new: str) -> None:
    time.sleep(1.0)  # cargo compares mtimes; a same-tick edit would look fresh
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _rename_gain(project: ProjectConfig, old: str = "gain", new: str = "amp") -> None:
    """Rename the fixture's gain processor (its ID), so gain_* ids become amp_*."""
    lib = project.engine / "src" / "lib.rs"
    _edit(lib, f'"{old}" => &[', f'"{new}" => &[')
    _edit(lib, f'DEFAULT_CHAIN: &str = "{old},filter";', f'DEFAULT_CHAIN: &str = "{new},filter";')


# -- the lock --------------------------------------------------------------------------


def test_lock_records_ids_stops_on_rename_and_accepts_on_purpose(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    options = dataclasses.replace(FAST, out_dir=tmp_path / "out")
    release(project, options)
    locked = json.loads(lock.lock_path(project).read_text())["parameters"]
    assert list(locked) == IDS
    assert locked["filter_cutoff"] == {"type": "float", "min": 20.0, "max": 20000.0, "unit": "Hz"}
    published, lock_before = snapshot_tree(tmp_path / "out"), lock.lock_path(project).read_bytes()

    _rename_gain(project)
    _edit(project.engine / "src" / "lib.rs", '"max":20000.0', '"max":22000.0')
    with pytest.raises(ReleaseError) as info:
        release(project, options)
    message = info.value.message
    for expected in ("gain_level removed", "gain_mute removed",
                     "filter_cutoff range 20..20000 -> 20..22000"):
        assert expected in message
    assert "new ids: amp_level, amp_mute" in message
    assert info.value.path == lock.lock_path(project)
    assert "--accept-param-changes" in (info.value.hint or "")
    assert snapshot_tree(tmp_path / "out") == published  # nothing was published
    assert lock.lock_path(project).read_bytes() == lock_before
    # The CLI maps it to the release class.
    argv = ["release", "--project", str(project.root), "--no-ui", "--no-wheel", "--out",
            str(tmp_path / "out"), "-q"]
    assert main(argv) == 24

    report = release(project, dataclasses.replace(options, accept_param_changes=True))
    assert report.parameters == ("amp_level", "amp_mute", "filter_cutoff", "filter_shape")
    relocked = json.loads(lock.lock_path(project).read_text())["parameters"]
    assert list(relocked) == list(report.parameters)
    assert relocked["filter_cutoff"]["max"] == 22000.0
    assert main(argv) == 0  # the new lock holds


def test_added_ids_are_recorded_not_refused(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    options = dataclasses.replace(FAST, out_dir=tmp_path / "out")
    release(project, options)
    _edit(project.engine / "src" / "lib.rs", '"gain,filter";', '"gain,filter,gain";')
    report = release(project, options)
    locked = json.loads(lock.lock_path(project).read_text())["parameters"]
    assert list(locked) == [*IDS, "gain_2_level", "gain_2_mute"] == list(report.parameters)


def test_dev_check_names_what_the_working_tree_breaks(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    first = run(Context(project=project), BUILD_STEPS).result
    assert first is not None and lock.check(project, first) == []  # nothing released yet
    release(project, dataclasses.replace(FAST, out_dir=tmp_path / "out"))
    _rename_gain(project)
    result = run(Context(project=project), BUILD_STEPS).result
    assert result is not None
    assert lock.check(project, result) == [
        "gain_level removed (new ids: amp_level, amp_mute)",
        "gain_mute removed (new ids: amp_level, amp_mute)",
    ]
    line = lock.warning(project, result)
    assert line is not None and line.startswith("warning:") and "--accept-param-changes" in line
    lock.lock_path(project).write_text("{broken")
    assert "not valid JSON" in lock.check(project, result)[0]


def test_dev_warns_once_per_reload_while_the_tree_breaks_the_lock(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    release(project, dataclasses.replace(FAST, out_dir=tmp_path / "out"))
    dev = DevProcess(project.root, tmp_path / "dev-target", "--no-engine")
    try:
        dev.wait_event("watching", timeout=180)
        assert not [e for e in dev.events if e["event"] == "lock_warning"]  # lock kept
        _rename_gain(project)
        warned = dev.wait_event("lock_warning", timeout=180)
        assert "gain_level removed" in warned["changes"][0]
        dev.wait_for(lambda e: e["event"] == "reload_complete" and "amp_level" in e["ids"], 180)
        broken = [e for e in dev.events if e["event"] == "reload_complete"
                  and "gain_level" not in e["ids"]]
        warnings = [e for e in dev.events if e["event"] == "lock_warning"]
        assert len(warnings) == len(broken)  # once per reload that breaks it, no more
        assert dev.interrupt()[0] == 130
    finally:
        dev.close()


# -- bindings are never stale ----------------------------------------------------------

_CHECK_JS = """\
// Plays tsc for the test: every id the UI uses must be in the generated bindings.
import { appendFileSync, readFileSync } from "node:fs";
const bindings = readFileSync("src/generated/parameters.ts", "utf8");
const ids = [...bindings.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]);
appendFileSync("builds.log", JSON.stringify([...new Set(ids)]) + "\\n");
for (const id of JSON.parse(readFileSync("uses.json", "utf8"))) {
  if (!ids.includes(id)) {
    console.error(`src/App.tsx(3,7): error TS2322: Type '"${id}"' is not assignable.`);
    process.exit(2);
  }
}
"""


def _with_ui(project: ProjectConfig, uses: list[str]) -> ProjectConfig:
    ui = project.root / "ui"
    ui.mkdir()
    (ui / "package.json").write_text(json.dumps(
        {"name": "fixture-ui", "private": True, "type": "module",
         "scripts": {"build": "node check.mjs"}}))
    (ui / "check.mjs").write_text(_CHECK_JS)
    (ui / "uses.json").write_text(json.dumps(uses))
    return load_project(project.root)


def _ui_builds(project: ProjectConfig) -> list[list[str]]:
    assert project.ui is not None
    log = project.ui / "builds.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.usefixtures("npm_available")
def test_a_renamed_id_fails_at_the_ui_and_undoing_it_releases(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = _with_ui(fixture_release_project(), uses=["gain_level"])
    run(Context(project=project), BUILD_STEPS)  # bindings and state of the original ids
    options = ReleaseOptions(wheel=False, out_dir=tmp_path / "out")
    generated = snapshot_tree(project.root / "ui" / "src" / "generated")
    builds = len(_ui_builds(project))
    _rename_gain(project)  # no build in between
    # The source's own parameters are read first, and the user's stub that still places
    # the old id is named before any npm build (rather than a raw TS2322 from tsc).
    with pytest.raises(CodegenError, match=r"places parameter 'gain_level'") as info:
        release(project, options)
    assert "remove or rename that control" in (info.value.hint or "")
    assert len(_ui_builds(project)) == builds  # no UI was built from stale bindings
    assert snapshot_tree(project.root / "ui" / "src" / "generated") == generated
    _rename_gain(project, "amp", "gain")  # undo: the source matches the UI again
    builds = len(_ui_builds(project))
    report = release(project, options)
    assert report.parameters == tuple(IDS)
    assert len(_ui_builds(project)) == builds + 1 and "gain_level" in _ui_builds(project)[-1]
    state = load_state(project)
    assert state is not None and state.ids == tuple(IDS)


@pytest.mark.usefixtures("npm_available")
def test_an_added_parameter_builds_the_ui_once_with_it(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = _with_ui(fixture_release_project(), uses=["gain_level"])
    options = ReleaseOptions(wheel=False, out_dir=tmp_path / "out")
    release(project, options)
    builds = len(_ui_builds(project))
    _edit(project.engine / "src" / "lib.rs", '"gain,filter";', '"gain,filter,gain";')
    report = release(project, options)
    assert "gain_2_level" in report.parameters
    assert len(_ui_builds(project)) == builds + 1  # once, and already with the new id
    assert "gain_2_level" in _ui_builds(project)[-1]


@pytest.fixture
def npm_available() -> None:
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.fail("npm and node are needed (Node.js 20+): the release builds the UI with them")


def test_a_renamed_id_is_reported_as_a_broken_lock_before_a_stale_stub(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Issue 21: the lock is the decision, the stub follows from it. With --no-ui the
    stale stub is a warning, so accepting the rename releases without touching the UI."""
    project = fixture_release_project()
    stub = project.root / "ui" / "src" / "components" / "GainControls.tsx"
    stub.parent.mkdir(parents=True)
    stub.write_text("export const Gain = () => <FloatSlider id=\"gain_level\" />;\n")
    project = load_project(project.root)
    argv = ["release", "--project", str(project.root), "--no-ui", "--no-wheel", "--out",
            str(tmp_path / "out"), "-q"]
    assert main(argv) == 0
    generated = snapshot_tree(project.root / "ui" / "src" / "generated")
    _rename_gain(project)
    capfd.readouterr()
    assert main(argv) == 24  # the lock, not codegen's stale stub (22)
    err = capfd.readouterr().err
    assert "error[release]" in err and "gain_level removed" in err, err
    assert snapshot_tree(project.root / "ui" / "src" / "generated") == generated

    assert main([*argv, "--accept-param-changes"]) == 0
    err = capfd.readouterr().err
    assert "warning: GainControls.tsx:1 places parameter 'gain_level'" in err, err
    state = load_state(project)
    assert state is not None and state.ids[:2] == ("amp_level", "amp_mute")
