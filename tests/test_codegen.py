"""Codegen: snapshots of every generated file, tsc over them, change-aware writes, stubs.

Snapshots live in ``tests/snapshots/codegen/<case>/``; regenerate them with
``WAVECRAFT_UPDATE_SNAPSHOTS=1 pytest tests/test_codegen*.py`` and review the diff.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest
from fixtures_ts import TsTools

from wavecraft_build.codegen import CodegenReport, client_ts, generate, render_all
from wavecraft_build.errors import CodegenError
from wavecraft_build.metadata import ExtractionResult, ParameterInfo, validate

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "codegen"
#: The engine client files every UI gets (protocol.ts rendered, the rest shipped as-is).
CLIENT_FILES = ["protocol.ts", "client.ts", "store.ts", "audio.ts", "notes.ts", "presets.ts",
                "hooks.ts", "panel.tsx", "keyboard.tsx"]

#: The fixture plugin's default chain (tests/crates/fixture-plugin), as the getter returns it.
FIXTURE_PARAMS: list[dict[str, Any]] = [
    {"id": "gain_level", "name": "Level", "type": "float", "value": 1.0, "default": 1.0,
     "min": 0.0, "max": 2.0, "unit": "x"},
    {"id": "gain_mute", "name": "Mute", "type": "bool", "value": 0, "default": 0, "min": 0,
     "max": 1},
    {"id": "filter_cutoff", "name": "Cutoff", "type": "float", "value": 1000.0,
     "default": 1000.0, "min": 20.0, "max": 20000.0, "unit": "Hz", "group": "Filter"},
    {"id": "filter_shape", "name": "Shape", "type": "enum", "value": 0, "default": 0, "min": 0,
     "max": 1, "variants": ["Lowpass", "Highpass"], "group": "Filter"},
]  # fmt: skip


def fixture_result() -> ExtractionResult:
    return validate(FIXTURE_PARAMS, [{"id": "gain"}, {"id": "filter"}])


def without(result: ExtractionResult, *ids: str) -> ExtractionResult:
    return replace(result, parameters=tuple(p for p in result.parameters if p.id not in ids))


def assert_snapshot(case: str, files: dict[PurePosixPath, str]) -> None:
    """Compare ``files`` with ``tests/snapshots/codegen/<case>``, byte for byte.

    The engine client files are left out: they do not depend on the parameters, so they are
    the same for every case (the static ones are the package's own files; ``protocol.ts``
    has a snapshot of its own, ``test_snapshot_engine_protocol``).
    """
    client = set(client_ts.render())
    assert_snapshot_files(case, {rel: text for rel, text in files.items() if rel not in client})


def assert_snapshot_files(case: str, files: dict[PurePosixPath, str]) -> None:
    """Compare exactly ``files`` with ``tests/snapshots/codegen/<case>``, byte for byte."""
    root = SNAPSHOTS / case
    if os.environ.get("WAVECRAFT_UPDATE_SNAPSHOTS") == "1":
        shutil.rmtree(root, ignore_errors=True)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(text.encode("utf-8"))
        return
    expected = {
        p.relative_to(root).as_posix(): p.read_bytes().decode("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
    actual = {rel.as_posix(): text for rel, text in files.items()}
    hint = "set WAVECRAFT_UPDATE_SNAPSHOTS=1 to regenerate, then review the diff"
    assert sorted(actual) == sorted(expected), f"generated file set changed; {hint}"
    for name, text in actual.items():
        assert text == expected[name], f"{case}/{name} differs from its snapshot; {hint}"


def import_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def make_old(root: Path) -> None:
    """Backdate every file so that any rewrite, even in the same tick, changes its mtime."""
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, ns=(1_000_000_000, 1_000_000_000))


# -- snapshots ---------------------------------------------------------------------------


def test_snapshot_fixture_plugin() -> None:
    assert_snapshot("fixture", render_all(fixture_result(), python_name="fixture_params.py"))


def test_snapshot_engine_protocol() -> None:
    protocol = client_ts.GENERATED_DIR / "protocol.ts"
    assert_snapshot_files("protocol", {protocol: client_ts.render()[protocol]})


def test_snapshot_no_parameters() -> None:
    assert_snapshot("empty", render_all(validate([], []), python_name="empty_params.py"))


def test_generated_files_say_so_and_are_ascii() -> None:
    for rel, text in render_all(fixture_result()).items():
        assert text.isascii(), rel
        head = text[:300].lower()
        if rel.parts[:2] == ("src", "components"):
            assert "created once by wavecraft-build" in head and "never overwrites" in head
        else:
            assert "generated by wavecraft-build" in head and "do not edit" in head


# -- writes: atomic, change-aware, create-once -------------------------------------------


def test_first_run_writes_everything_and_second_run_writes_nothing(tmp_path: Path) -> None:
    ui, module = tmp_path / "ui", tmp_path / "py" / "params.py"
    first = generate(fixture_result(), ui_dir=ui, python_module=module)
    assert sorted(p.name for p in first.written) == sorted(
        ["parameters.ts", "params.py", "processors.ts", *CLIENT_FILES]
    )
    assert sorted(p.name for p in first.stubs_created) == [
        "FilterControls.tsx",
        "GeneralControls.tsx",
        "controls.tsx",
        "index.tsx",
    ]
    assert first.stubs_kept == [] and first.notes == []
    make_old(tmp_path)
    before = mtimes(tmp_path)

    second = generate(fixture_result(), ui_dir=ui, python_module=module)

    assert second.written == [] and second.stubs_created == []
    assert len(second.unchanged) == 3 + len(CLIENT_FILES) and len(second.stubs_kept) == 4
    assert mtimes(tmp_path) == before
    assert not [p for p in tmp_path.rglob("*.tmp")], "temp files left behind"
    assert f"0 file(s) written, {3 + len(CLIENT_FILES)} unchanged" in second.lines()[0]
    assert any("left 4 existing UI stub(s) alone" in line for line in second.lines())


def test_changed_parameter_rewrites_bindings_but_never_a_stub(tmp_path: Path) -> None:
    ui, module = tmp_path / "ui", tmp_path / "params.py"
    generate(fixture_result(), ui_dir=ui, python_module=module)
    stub = ui / "src/components/FilterControls.tsx"
    stub.write_text("// my own filter panel\nexport {};\n", encoding="utf-8")
    index_before = (ui / "src/components/index.tsx").read_bytes()
    extra = {"id": "filter_q", "name": "Q", "type": "float", "value": 0.7, "default": 0.7,
             "min": 0.1, "max": 10.0, "group": "Filter"}  # fmt: skip
    new_group = {"id": "drive_amount", "name": "Drive", "type": "float", "value": 0,
                 "default": 0, "min": 0, "max": 1, "group": "Drive"}  # fmt: skip

    report = generate(
        validate([*FIXTURE_PARAMS, extra, new_group]), ui_dir=ui, python_module=module
    )

    assert sorted(p.name for p in report.written) == ["parameters.ts", "params.py", "processors.ts"]
    assert '"filter_q"' in (ui / "src/generated/parameters.ts").read_text(encoding="utf-8")
    assert stub.read_text(encoding="utf-8") == "// my own filter panel\nexport {};\n"
    assert (ui / "src/components/index.tsx").read_bytes() == index_before
    assert [p.name for p in report.stubs_created] == ["DriveControls.tsx"]
    assert stub in report.stubs_kept
    text = "\n".join(report.lines())
    assert "new component DriveControls created" in text and "index.tsx" in text
    # The kept Filter stub never mentions the new (and old) filter parameters: say so.
    missing = "FilterControls.tsx (kept) has no control for filter_cutoff, filter_shape, filter_q"
    assert missing in text and 'e.g. <FloatSlider id="filter_cutoff" />' in text
    # Said once, when it happens: a run with nothing new stays quiet.
    again = generate(validate([*FIXTURE_PARAMS, extra, new_group]), ui_dir=ui, python_module=module)
    assert again.notes == [] and again.written == [] and again.stubs_created == []


def test_outputs_can_be_skipped(tmp_path: Path) -> None:
    report = generate(fixture_result(), ui_dir=None, python_module=tmp_path / "p.py")
    assert [p.name for p in report.written] == ["p.py"]
    assert report.stubs_created == [] and [p.name for p in tmp_path.iterdir()] == ["p.py"]
    report = generate(fixture_result(), ui_dir=tmp_path / "ui", python_module=None)
    assert not (tmp_path / "ui" / "params.py").exists()
    assert len(report.written) == 2 + len(CLIENT_FILES)


def test_write_failure_is_a_codegen_error_naming_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(CodegenError) as info:
        generate(fixture_result(), ui_dir=None, python_module=blocker / "params.py")
    assert info.value.path == blocker / "params.py"
    assert "cannot write generated file" in info.value.render()


def test_hand_made_invalid_id_is_refused() -> None:
    bad = ParameterInfo(id='x" onClick="', name="n", type="float", value=0, default=0, min=0, max=1)
    with pytest.raises(CodegenError, match="must match"):
        render_all(ExtractionResult(parameters=(bad,)))


def test_report_lines_are_short_for_many_stubs() -> None:
    report = CodegenReport(stubs_kept=[Path(f"/ui/G{i}Controls.tsx") for i in range(40)])
    assert "(+34 more)" in report.lines()[1]


# -- Python bindings ---------------------------------------------------------------------


def test_python_module_values_and_ranges(tmp_path: Path) -> None:
    generate(fixture_result(), ui_dir=None, python_module=tmp_path / "params.py")
    mod = import_file(tmp_path / "params.py", "wc_test_fixture_params")
    assert [m.value for m in mod.ParamId] == [p["id"] for p in FIXTURE_PARAMS]
    assert mod.ParamId.GAIN_LEVEL == "gain_level"
    assert mod.RANGES["filter_cutoff"] == (20.0, 20000.0)
    params = mod.Params()
    assert (params.gain_level, params.gain_mute, params.filter_shape) == (1.0, False, 0)
    with pytest.raises(ValueError, match=r"gain_level: 3\.0 is outside \[0\.0, 2\.0\]"):
        mod.Params(gain_level=3.0)
    assert mod.SPECS[3].variants == ("Lowpass", "Highpass")
    assert set(mod.__all__) <= set(vars(mod))


def test_python_module_imports_nothing_of_wavecraft_build() -> None:
    text = render_all(fixture_result())[PurePosixPath("python/params.py")]
    assert "wavecraft_build" not in text


def test_python_module_is_mypy_strict_clean(tmp_path: Path) -> None:
    generate(fixture_result(), ui_dir=None, python_module=tmp_path / "fixture_params.py")
    use = tmp_path / "use_params.py"
    use.write_text(
        "from fixture_params import RANGES, ParamId, Params\n"
        "p: Params = Params(gain_level=0.5)\n"
        "lo: float = RANGES[ParamId.GAIN_LEVEL][0]\n"
        "level: float = p.gain_level\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "fixture_params.py",
         "use_params.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- TypeScript: tsc --------------------------------------------------------------------


def test_tsc_accepts_generated_files_and_stubs(tmp_path: Path, ts_tools: TsTools) -> None:
    ui = tmp_path / "ui"
    generate(fixture_result(), ui_dir=ui, python_module=None)
    (ui / "src/app.tsx").write_text(
        "import type { ReactElement } from 'react';\n"
        "import { ParameterPanel } from './components';\n"
        "import { PARAMETERS_BY_ID, PARAMETERS, isParameterId } from './generated/parameters';\n"
        "import { PROCESSORS, type ProcessorId } from './generated/processors';\n"
        "const cutoff: number = PARAMETERS_BY_ID.filter_cutoff.max;\n"
        "const first: ProcessorId | undefined = PROCESSORS[0]?.id;\n"
        "export function App(): ReactElement {\n"
        "  return <main data-n={PARAMETERS.length} data-c={cutoff} data-p={first}\n"
        "    data-k={isParameterId('gain_level')}><ParameterPanel /></main>;\n"
        "}\n",
        encoding="utf-8",
    )
    proc = ts_tools.check(ui)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_tsc_accepts_an_empty_parameter_list(tmp_path: Path, ts_tools: TsTools) -> None:
    ui = tmp_path / "ui"
    generate(validate([], []), ui_dir=ui, python_module=None)
    proc = ts_tools.check(ui)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_removed_parameter_is_a_compile_error(tmp_path: Path, ts_tools: TsTools) -> None:
    """The point of the bindings: UI code naming a removed id stops compiling."""
    ui = tmp_path / "ui"
    generate(fixture_result(), ui_dir=ui, python_module=None)
    (ui / "src/mute.ts").write_text(
        "import { PARAMETERS_BY_ID, type ParameterId } from './generated/parameters';\n"
        "export const muteId: ParameterId = 'gain_mute';\n"
        "export const muteName: string = PARAMETERS_BY_ID[muteId].name;\n",
        encoding="utf-8",
    )
    assert ts_tools.check(ui).returncode == 0

    # As in the dev loop: the stale stub is a note, the bindings move on, tsc catches it.
    report = generate(
        without(fixture_result(), "gain_mute"), ui_dir=ui, python_module=None, stale_stubs="note"
    )
    assert any("GeneralControls.tsx:" in n and "'gain_mute'" in n for n in report.notes)

    proc = ts_tools.check(ui)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "src/mute.ts" in out and '"gain_mute"' in out
    # The kept stub still uses it too, and is flagged the same way.
    assert "GeneralControls.tsx" in out


def test_parameter_changing_type_is_a_compile_error(tmp_path: Path, ts_tools: TsTools) -> None:
    ui = tmp_path / "ui"
    generate(fixture_result(), ui_dir=ui, python_module=None)
    as_bool = [dict(p) for p in FIXTURE_PARAMS]
    as_bool[0].update(type="bool", value=1, default=1, min=0, max=1, unit=None)
    generate(validate(as_bool), ui_dir=ui, python_module=None, stale_stubs="note")
    proc = ts_tools.check(ui)
    assert proc.returncode != 0
    assert "GeneralControls.tsx" in proc.stdout + proc.stderr
