"""Presets in the project: checked at build time against the real extracted parameters,
held to the id lock at release, and every bad input a clear error that overwrites nothing.

All on the std-only fixture crate (gain_level 0..2 x, gain_mute, filter_cutoff 20..20000 Hz,
filter_shape Lowpass|Highpass), built for real.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import snapshot_tree

from wavecraft_build import presets
from wavecraft_build.cli import main
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import PresetError, ReleaseError
from wavecraft_build.pipeline import BUILD_STEPS, Context, run
from wavecraft_build.release import ReleaseOptions, lock, release

FAST = ReleaseOptions(ui=False, wheel=False)


def _write(project: ProjectConfig, name: str, data: object) -> Path:
    path = project.root / "presets" / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def _build(project: ProjectConfig) -> Context:
    return run(Context(project=project), BUILD_STEPS)


def test_build_checks_presets_and_resolves_defaults_for_the_rest(
    fixture_release_project: Callable[[], ProjectConfig],
) -> None:
    project = fixture_release_project()
    _write(project, "Soft", {"values": {"gain_level": 0.5, "filter_shape": "Highpass"}})
    _write(project, "Muted", {"name": "Muted", "author": "Me", "tags": ["x"],
                              "values": {"gain_mute": True}})
    ctx = _build(project)
    assert [p.name for p in ctx.presets] == ["Muted", "Soft"]
    assert ctx.result is not None
    soft = presets.resolve(ctx.presets[1], ctx.result)
    # Named values are set, every other id gets its default: a preset is a whole sound.
    assert soft == {"gain_level": 0.5, "gain_mute": 0.0, "filter_cutoff": 1000.0,
                    "filter_shape": 1.0}
    assert presets.missing_ids(ctx.presets, ctx.result)["filter_cutoff"] == ["Muted", "Soft"]


_BAD_VALUES: list[tuple[dict[str, object], str]] = [
    ({"gain_level": 3.0}, "`gain_level` = 3.0: expected a number in 0..2 x"),
    ({"filter_cutoff": "loud"}, '`filter_cutoff` = "loud": expected a number in 20..20000 Hz'),
    ({"gain_mute": 1}, "`gain_mute` = 1: expected true or false"),
    ({"filter_shape": "Bandpass"},
     "`filter_shape` = \"Bandpass\": expected one of 'Lowpass', 'Highpass'"),
    ({"gain_levle": 1.0}, "unknown parameter id `gain_levle`"),
]


def test_a_bad_value_stops_the_build_naming_file_key_and_range_and_keeps_the_state(
    fixture_release_project: Callable[[], ProjectConfig],
) -> None:
    project = fixture_release_project()
    _build(project)
    state = (project.state_dir / "params.json").read_bytes()
    bindings = project.python_bindings.read_bytes()
    for values, expected in _BAD_VALUES:
        path = _write(project, "Bad", {"values": values})
        with pytest.raises(PresetError) as info:
            _build(project)
        assert expected in info.value.message
        assert info.value.path == path
        assert (project.state_dir / "params.json").read_bytes() == state
        assert project.python_bindings.read_bytes() == bindings
    # The CLI: one error[preset] line, exit 26, no traceback.
    assert main(["build", "--project", str(project.root), "-q"]) == 26


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    root = tmp_path
    folder = root / "presets"
    folder.mkdir()
    (folder / "A.json").write_text("{not json")
    with pytest.raises(PresetError, match="not valid JSON"):
        presets.load(root)
    (folder / "A.json").write_text(json.dumps({"values": {}}))
    (folder / "B.json").write_text(json.dumps({"name": "A", "values": {}}))
    with pytest.raises(PresetError, match="two presets have the same name: 'A'"):
        presets.load(root)
    (folder / "B.json").write_text(json.dumps({"name": "a", "values": {}}))
    with pytest.raises(PresetError, match="names equal but for case"):
        presets.load(root)
    (folder / "B.json").unlink()
    big = folder / "Big.json"
    with big.open("wb") as fh:  # sparse: 100 MB on paper, refused by size before reading
        fh.truncate(100 * 1024 * 1024)
    with pytest.raises(PresetError, match="at most 1048576") as info:
        presets.load(root)
    assert info.value.path == big
    big.unlink()
    for name, why in [("a/b", "contains one of"), ("..\\x", "contains one of"),
                      ("bell\x07", "control character"), (".hidden", "starts with a dot"),
                      ("x" * 65, "longer than 64"), ("", "non-empty")]:
        (folder / "N.json").write_text(json.dumps({"name": name, "values": {}}))
        with pytest.raises(PresetError, match=why):
            presets.load(root)
    (folder / "N.json").write_text(json.dumps({"values": {}, "colour": "red"}))
    with pytest.raises(PresetError, match="unknown key `colour`"):
        presets.load(root)


def test_save_is_checked_atomic_and_never_overwrites_unasked(
    fixture_release_project: Callable[[], ProjectConfig],
) -> None:
    project = fixture_release_project()
    result = _build(project).result
    assert result is not None
    first = presets.from_plain("Mine", {"gain_level": 1.5, "filter_shape": 1.0}, result)
    path = presets.save(project.root, first, result)
    assert json.loads(path.read_text()) == {
        "name": "Mine", "values": {"gain_level": 1.5, "filter_shape": "Highpass"}}
    before = path.read_bytes()
    again = presets.from_plain("mine", {"gain_level": 0.1}, result)
    with pytest.raises(PresetError, match="a preset named 'Mine' exists"):
        presets.save(project.root, again, result)
    assert path.read_bytes() == before
    with pytest.raises(PresetError, match=r"expected a number in 0\.\.2"):
        presets.save(project.root, presets.from_plain("Loud", {"gain_level": 9.0}, result),
                     result)
    assert not (project.root / "presets" / "Loud.json").exists()
    with pytest.raises(PresetError, match="contains one of"):
        presets.from_plain("../escape", {}, result)
    # Confirmed: the one existing file (whatever its case) is replaced, no second file.
    presets.save(project.root, again, result, overwrite=True)
    assert sorted(p.name for p in (project.root / "presets").iterdir()) == ["Mine.json"]
    assert json.loads(path.read_text())["values"] == {"gain_level": 0.1}


def test_a_renamed_id_a_preset_uses_stops_the_release_naming_both(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    _write(project, "Loud", {"values": {"gain_level": 2.0}})
    _write(project, "Dark", {"values": {"filter_shape": "Lowpass"}})
    options = dataclasses.replace(FAST, out_dir=tmp_path / "out")
    release(project, options)
    published = snapshot_tree(tmp_path / "out")

    lib = project.engine / "src" / "lib.rs"
    time.sleep(1.0)  # cargo compares mtimes
    lib.write_text(lib.read_text().replace('"gain" => &[', '"amp" => &[').replace(
        'DEFAULT_CHAIN: &str = "gain,filter";', 'DEFAULT_CHAIN: &str = "amp,filter";'))
    with pytest.raises(ReleaseError) as info:
        release(project, options)
    assert "gain_level removed (new ids: amp_level, amp_mute), used by preset(s) 'Loud'" in (
        info.value.message)
    assert "'Dark'" not in info.value.message
    assert snapshot_tree(tmp_path / "out") == published

    # Accepting the id change on purpose lists the presets still to fix, publishes nothing.
    with pytest.raises(PresetError) as fix:
        release(project, dataclasses.replace(options, accept_param_changes=True))
    assert "preset 'Loud': unknown parameter id `gain_level`" in fix.value.message
    assert snapshot_tree(tmp_path / "out") == published
    _write(project, "Loud", {"values": {"amp_level": 2.0}})
    report = release(project, dataclasses.replace(options, accept_param_changes=True))
    assert report.parameters[0] == "amp_level"
    assert "amp_level" in json.loads(lock.lock_path(project).read_text())["parameters"]


def test_a_preset_leaving_out_a_new_id_gets_its_default_and_the_release_says_so_once(
    fixture_release_project: Callable[[], ProjectConfig], tmp_path: Path
) -> None:
    project = fixture_release_project()
    _write(project, "Loud", {"values": {"gain_level": 2.0}})
    _write(project, "Soft", {"values": {"gain_level": 0.5}})
    options = dataclasses.replace(FAST, out_dir=tmp_path / "out")
    first = release(project, options).warnings
    # Nothing was released before: no news. (The fixture crate has no VST3/CLAP entry.)
    assert first == ("warning: the release library has no VST3 entry point: no VST3 preset "
                     "files", "warning: the release library has no CLAP entry point: no CLAP "
                     "preset files")
    lib = project.engine / "src" / "lib.rs"
    time.sleep(1.0)  # cargo compares mtimes
    lib.write_text(lib.read_text().replace('DEFAULT_CHAIN: &str = "gain,filter";',
                                           'DEFAULT_CHAIN: &str = "gain,filter,gain";'))
    report = release(project, options)
    notes = [w for w in report.warnings if "leave out" in w]
    assert notes == ["warning: preset(s) 'Loud', 'Soft' leave out the new parameter id(s) "
                     "gain_2_level, gain_2_mute: hosts load them with the default value"]
    # Recorded now: the next release has nothing new to say.
    assert [w for w in release(project, options).warnings if "leave out" in w] == []
