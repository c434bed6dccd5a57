"""Codegen with hostile names: generated TypeScript and Python must be valid and *equivalent*.

Names, units, groups, variants and processor ids are arbitrary strings; ids are
``[a-z][a-z0-9_]*`` but may be reserved words in TypeScript or Python. Each test compiles or
imports the output and compares the values it holds with the input, so an escaping bug
shows up as a compile error or as a different string, not just as a snapshot diff.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures_ts import TsTools
from test_codegen import assert_snapshot, import_file

from wavecraft_build.codegen import generate, render_all, ui_stubs
from wavecraft_build.metadata import ExtractionResult, ParameterInfo, validate

NASTY = [
    'say "hi"',
    "back\\slash \\u0041 \\n",
    "*/ /* // <!-- -->",
    "line\nbreak\r\n\ttab",
    "ls\u2028ps\u2029end",
    "emoji \U0001f39b\ufe0f and \u00e9 and \u4e2d\u6587",
    "</script><script>alert(1)</script>",
    "${injected} `backtick` {braces} {/* jsx comment */}",
    "lone \ud800 surrogate",
    "nul \x00 and bell \x07",
    "'single' quotes",
    "",
]

# Reserved or otherwise awkward ids: JS/TS keywords, Python keywords, names a class body
# needs, Object.prototype members, and a collision with the renamed keyword.
RESERVED_IDS = ["delete", "class", "import", "none", "null", "true", "function", "default",
                "constructor", "tostring", "float", "bool", "self", "class_", "in", "type",
                "enum", "interface", "await", "yield", "let", "new", "this", "lambda"]  # fmt: skip


def hostile_raw() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    params: list[dict[str, Any]] = []
    for i, pid in enumerate(RESERVED_IDS):
        nasty = NASTY[i % len(NASTY)]
        kind = ("float", "bool", "enum")[i % 3]
        raw: dict[str, Any] = {"id": pid, "name": nasty or "unnamed", "type": kind}
        if kind == "float":
            raw.update(value=0.25, default=0.25, min=-1e300, max=1e300, unit=NASTY[(i + 1) % 12])
        elif kind == "bool":
            raw.update(value=1, default=1, min=0, max=1)
        else:
            raw.update(value=2, default=2, min=0, max=len(NASTY) - 1, variants=NASTY)
        params.append(raw)
    groups = [None, "Filter", "filter", "FILTER!", "../../../etc/passwd", "..", "1st band",
              "\U0001f39b", "", "index", "controls", "Group", "x" * 300, NASTY[6]]  # fmt: skip
    for i, raw in enumerate(params):
        raw["group"] = groups[i % len(groups)]
    params.append({"id": "tiny", "name": "Tiny", "type": "float", "value": 5e-324,
                   "default": 5e-324, "min": -0.0, "max": 1.5e-323})  # fmt: skip
    processors = [{"id": s} for s in ['a"b', "__proto__", "*/", "constructor", "\u2028"]]
    return params, processors


def hostile_result() -> ExtractionResult:
    params, processors = hostile_raw()
    return validate(params, processors)


def spec_json(p: ParameterInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id, "name": p.name, "type": p.type,
        "min": float(p.min), "max": float(p.max), "default": float(p.default),
    }  # fmt: skip
    for key in ("unit", "group"):
        if getattr(p, key) is not None:
            out[key] = getattr(p, key)
    if p.variants is not None:
        out["variants"] = list(p.variants)
    return out


def test_snapshot_hostile() -> None:
    assert_snapshot("hostile", render_all(hostile_result(), python_name="hostile_params.py"))


def test_every_generated_file_is_ascii() -> None:
    for rel, text in render_all(hostile_result()).items():
        assert text.isascii(), rel


def test_tsc_accepts_hostile_output(tmp_path: Path, ts_tools: TsTools) -> None:
    ui = tmp_path / "ui"
    generate(hostile_result(), ui_dir=ui, python_module=None)
    proc = ts_tools.check(ui)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_typescript_values_equal_the_input(tmp_path: Path, ts_tools: TsTools) -> None:
    """Compile the generated TS, run it under node, and compare every value with the input."""
    result = hostile_result()
    ui, out = tmp_path / "ui", tmp_path / "out"
    generate(result, ui_dir=ui, python_module=None)
    ts_tools.emit(ui, out)
    script = (
        "const p = await import('./generated/parameters.js');"
        "const q = await import('./generated/processors.js');"
        "process.stdout.write(JSON.stringify({params: p.PARAMETERS, ids: p.PARAMETER_IDS,"
        " byId: Object.keys(p.PARAMETERS_BY_ID), procs: q.PROCESSORS,"
        " known: p.isParameterId('constructor'), unknown: p.isParameterId('hasOwnProperty')}));"
    )
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=out, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    got = json.loads(proc.stdout)
    assert got["params"] == [spec_json(p) for p in result.parameters]
    assert got["ids"] == got["byId"] == [p.id for p in result.parameters]
    assert got["procs"] == [{"id": p.id} for p in result.processors]
    assert got["known"] is True and got["unknown"] is False


def test_python_values_equal_the_input(tmp_path: Path) -> None:
    result = hostile_result()
    generate(result, ui_dir=None, python_module=tmp_path / "hostile.py")
    mod = import_file(tmp_path / "hostile.py", "wc_test_hostile_params")

    assert [m.value for m in mod.ParamId] == [p.id for p in result.parameters]
    for spec, p in zip(mod.SPECS, result.parameters, strict=True):
        assert (spec.id, spec.name, spec.type, spec.unit, spec.group) == (
            p.id, p.name, p.type, p.unit, p.group,
        )  # fmt: skip
        assert (spec.min, spec.max, spec.default) == (p.min, p.max, p.default)
        assert spec.variants == p.variants
    fields = mod.FIELD_NAMES
    assert fields["class"] == "class__" and fields["class_"] == "class_"
    assert fields["float"] == "float_" and fields["none"] == "none"
    assert fields["import"] == "import_" and fields["lambda"] == "lambda_"
    params = mod.Params()
    typed: dict[str, Callable[[float], object]] = {
        "float": float,
        "bool": lambda v: v >= 0.5,
        "enum": int,
    }
    for p in result.parameters:
        value = getattr(params, fields[p.id])
        assert value == typed[p.type](p.default) and type(value) is type(typed[p.type](0.0))
    assert params.tiny == 5e-324
    with pytest.raises(ValueError, match="delete"):
        mod.Params(delete=2e300)


def test_python_module_with_reserved_ids_is_mypy_clean(tmp_path: Path) -> None:
    generate(hostile_result(), ui_dir=None, python_module=tmp_path / "hostile_params.py")
    proc = subprocess.run(
        ["python3", "-m", "mypy", "--strict", "--no-incremental", "hostile_params.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_group_file_names_are_safe_and_deterministic() -> None:
    result = hostile_result()
    plan = ui_stubs.plan(result.parameters)
    names = [s.path.name for s in plan]
    for stub in plan:
        assert stub.path.parent == ui_stubs.COMPONENTS_DIR
        assert stub.component.isidentifier() and stub.component.isascii()
        assert stub.component[0].isupper() and stub.path.name == f"{stub.component}.tsx"
        assert len(stub.path.name) < 80
    assert len({n.casefold() for n in names}) == len(names), "case-insensitive collision"
    assert ui_stubs.INDEX_TSX.name not in names and ui_stubs.CONTROLS_TSX.name not in names
    # The same group keeps its file whatever order the groups arrive in.
    reversed_plan = ui_stubs.plan(tuple(reversed(result.parameters)))
    assert {s.label: s.path for s in plan} == {s.label: s.path for s in reversed_plan}
    # Colliding spellings get a hash each; a lone clean name stays readable.
    filters = [n for n in names if n.casefold().startswith("filter")]
    assert len(filters) == 3 and all(len(n) == len("Filter123ABCControls.tsx") for n in filters)
    assert "GeneralControls.tsx" in names and "Group1stBandControls.tsx" in names


def test_no_change_run_with_hostile_names_writes_nothing(tmp_path: Path) -> None:
    ui, module = tmp_path / "ui", tmp_path / "m.py"
    generate(hostile_result(), ui_dir=ui, python_module=module)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    report = generate(hostile_result(), ui_dir=ui, python_module=module)
    assert report.written == [] and report.stubs_created == [] and report.notes == []
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
