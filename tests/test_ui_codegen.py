"""The UI side of codegen: the engine client comes from the protocol, stale stubs are caught.

The client's names are read back from ``wavecraft_build.engine.protocol`` (never a second
hand-written list), the engine URL follows the project's port, and a user stub that still
places a removed parameter fails with its file, line and id (or is a note in dev).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest
from fixtures_ts import TsTools
from test_codegen import fixture_result, mtimes, without

from wavecraft_build.codegen import client_ts, generate, render_all
from wavecraft_build.codegen.protocol_ts import PROTOCOL_TS, render_protocol
from wavecraft_build.codegen.stub_check import find_stale
from wavecraft_build.engine import protocol
from wavecraft_build.errors import CodegenError

REPO = Path(__file__).resolve().parent.parent


def test_protocol_ts_has_every_method_notification_and_error() -> None:
    text = render_protocol()
    methods = re.search(r"METHOD_NAMES: readonly MethodName\[\] = \[(.*)\];", text)
    notes = re.search(r"NOTIFICATION_NAMES: readonly NotificationName\[\] = \[(.*)\];", text)
    assert methods is not None and notes is not None
    assert re.findall(r'"(\w+)"', methods.group(1)) == [m.name for m in protocol.METHODS]
    assert re.findall(r'"(\w+)"', notes.group(1)) == [n.name for n in protocol.NOTIFICATIONS]
    for err in protocol.ERRORS:
        assert f"  {err.name}: {err.code},\n" in text
    for name, ts in protocol.TYPES.items():
        assert f"export type {name} = {ts};\n" in text
    for f in protocol.NOTIFICATIONS[2].params:  # meterUpdate: the meters read these
        assert f"readonly {f.name}: {f.ts};" in text


def test_engine_url_comes_from_the_protocol_or_the_project_port() -> None:
    default = f"ws://{protocol.DEFAULT_HOST}:{protocol.DEFAULT_PORT}"
    assert f'DEFAULT_ENGINE_URL: string = "{default}";' in render_protocol()
    assert '"ws://127.0.0.1:9123"' in render_protocol(port=9123)
    # The one place the URL is spelled: client.ts reads Vite's env, else this constant.
    client = client_ts.render()[PurePosixPath("src/generated/client.ts")]
    assert "VITE_WAVECRAFT_ENGINE_URL" in client and "ws://" not in client


def test_client_files_do_not_depend_on_the_parameters() -> None:
    full = render_all(fixture_result())
    empty = render_all(without(fixture_result(), *fixture_result().ids))
    for rel in client_ts.render():
        assert full[rel] == empty[rel], rel
    assert PROTOCOL_TS in full


def test_stale_stub_is_an_error_naming_file_line_and_id(tmp_path: Path) -> None:
    ui = tmp_path / "ui"
    generate(fixture_result(), ui_dir=ui, python_module=None)
    before = mtimes(ui)
    with pytest.raises(CodegenError) as info:
        generate(without(fixture_result(), "gain_mute"), ui_dir=ui, python_module=None)
    text = info.value.render()
    assert "GeneralControls.tsx:" in text and "'gain_mute'" in text
    assert "no longer declares" in text and "hint:" in text
    assert info.value.path == ui / "src/components/GeneralControls.tsx"
    assert mtimes(ui) == before, "the last good bindings must stay in place"


def test_stale_stub_is_a_note_in_dev_and_the_bindings_move_on(tmp_path: Path) -> None:
    ui = tmp_path / "ui"
    generate(fixture_result(), ui_dir=ui, python_module=None)
    report = generate(
        without(fixture_result(), "gain_mute", "filter_shape"),
        ui_dir=ui,
        python_module=None,
        stale_stubs="note",
    )
    warnings = [n for n in report.notes if n.startswith("warning:")]
    assert len(warnings) == 2
    assert "'filter_shape'" in warnings[0] and "FilterControls.tsx:" in warnings[0]
    assert "'gain_mute'" in warnings[1] and "GeneralControls.tsx:" in warnings[1]
    assert '"gain_mute"' not in (ui / "src/generated/parameters.ts").read_text("utf-8")


def test_stale_check_reads_only_parameter_references(tmp_path: Path) -> None:
    src = tmp_path / "ui" / "src"
    (src / "generated").mkdir(parents=True)
    (src / "generated" / "x.tsx").write_text('<FloatSlider id="gone_in_generated" />\n')
    (src / "App.tsx").write_text(
        '<div id="main"><input id="volume" /></div>\n'
        "const a = useParameter('hook_gone');\n"
        "<BoolToggle\n  key={1}\n  id={'multi_line_gone'}\n/>\n"
        '<FloatSlider id="gain_level" />\n'
    )
    stale = find_stale(tmp_path / "ui", {"gain_level"})
    assert [(s.path.name, s.line, s.id) for s in stale] == [
        ("App.tsx", 2, "hook_gone"),
        ("App.tsx", 5, "multi_line_gone"),
    ]
    assert find_stale(tmp_path / "nothing", {"x"}) == []


def test_stub_controls_use_the_hooks_and_carry_data_param_id(
    tmp_path: Path, ts_tools: TsTools
) -> None:
    ui = tmp_path / "ui"
    generate(fixture_result(), ui_dir=ui, python_module=None)
    controls = (ui / "src/components/controls.tsx").read_text("utf-8")
    assert "useParameter(id)" in controls and "useState" not in controls
    # The stub's three controls draw with the panel's view: the markup exists once.
    assert controls.count("<ParameterView param={useParameter(id)} />") == 3
    assert "<input" not in controls and "<select" not in controls
    panel = (ui / "src/generated/panel.tsx").read_text("utf-8")
    assert panel.count("data-param-id={id}") == 4  # three controls and the removed one
    # The template's page (its test badge reads useTestResults) compiles against them.
    app = (REPO / "templates/plugin/ui/src/App.tsx").read_text("utf-8")
    (ui / "src/App.tsx").write_text(app.replace("%%plugin_name%%", "Fixture"), encoding="utf-8")
    # With the instrument's flag: the page with its on-screen keyboard compiles too.
    kind = (REPO / "templates/instrument/ui/src/kind.ts").read_text("utf-8")
    (ui / "src/kind.ts").write_text(kind, encoding="utf-8")
    # A typed use of every hook compiles under the strict settings.
    (ui / "src/use.tsx").write_text(
        "import type { ReactElement } from 'react';\n"
        "import { useAllParameters, useAudioPreview, useConnection, useMeter, useNotes,\n"
        "  useParameter, useTestResults } from './generated/hooks';\n"
        "import { UnclaimedParameters } from './generated/panel';\n"
        "export function Use(): ReactElement {\n"
        "  const level = useParameter('gain_level');\n"
        "  const all = useAllParameters();\n"
        "  const meter = useMeter();\n"
        "  const { state } = useConnection();\n"
        "  const audio = useAudioPreview();\n"
        "  const tests = useTestResults();\n"
        "  const notes = useNotes();\n"
        "  const held: number = notes.held.size;\n"
        "  notes.noteOn(60, 0.5); notes.noteOff(60); notes.midi([0x90, 60, 100]);\n"
        "  const plots: string[] = (tests?.failures ?? []).flatMap((f) => f.plot ?? []);\n"
        "  return <div data-connection={state} data-n={all.length} data-db={meter?.left_rms}\n"
        "    data-tests={tests?.status} data-failed={tests?.failed} data-plots={plots.length}\n"
        "    data-held={held}\n"
        "    onClick={audio.play}>{level.spec?.name}{level.value}<UnclaimedParameters /></div>;\n"
        "}\n",
        encoding="utf-8",
    )
    proc = ts_tools.check(ui)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (ui / "src/bad.tsx").write_text(
        "import { useParameter } from './generated/hooks';\n"
        "export function Bad(): number { return useParameter('not_an_id').value; }\n",
        encoding="utf-8",
    )
    proc = ts_tools.check(ui)
    assert proc.returncode != 0 and "not_an_id" in proc.stdout + proc.stderr


def test_dev_says_a_stale_stub_out_loud_and_keeps_reloading(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    from benchmarks.devloop import DevProcess, make_project

    project = make_project(tmp_path / "p")
    mine = project / "ui" / "src" / "components" / "Mine.tsx"
    mine.parent.mkdir(parents=True)
    mine.write_text('export const x = <FloatSlider id="gone_param" />;\n', encoding="utf-8")
    dev = DevProcess(project, cargo_target_dir / "dev", "--no-engine")
    try:
        note = dev.wait_event("codegen_note", timeout=300)
        done = dev.wait_event("reload_complete", timeout=60)
        assert note["warning"] is True
        assert "Mine.tsx:1" in note["note"] and "'gone_param'" in note["note"]
        assert done["parameters"] > 0
        assert (project / "ui" / "src" / "generated" / "hooks.ts").is_file()
    finally:
        dev.close()
