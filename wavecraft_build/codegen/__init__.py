"""Code generation from validated parameters: TypeScript bindings, React stubs, Python bindings.

``generate`` is the one place that writes. The TypeScript side is the parameter bindings
(``typescript``), the dev engine client generated from the protocol definition
(``client_ts``: protocol, client, hooks, audio preview, the catch-all parameter panel) and
the user's create-once stubs (``ui_stubs``); ``stub_check`` finds stubs that still place a
parameter the plugin removed. Generated files (``ui/src/generated/*.ts`` and the
Python module) are rewritten atomically, and only when their content changes, so a no-change
run touches nothing and Vite does not reload. UI stubs (``ui/src/components/*.tsx``) belong
to the user: each is created when missing and never overwritten; existence is checked before
anything is rendered, so a project whose stubs exist pays nothing for them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from wavecraft_build._fs import write_atomic
from wavecraft_build.codegen import client_ts, python, typescript, ui_stubs
from wavecraft_build.codegen._text import check_ids, check_numbers
from wavecraft_build.codegen.stub_check import StaleReference, find_stale
from wavecraft_build.errors import CodegenError
from wavecraft_build.metadata import ExtractionResult, ParameterInfo

__all__ = ["CodegenReport", "StalePolicy", "generate", "render_all"]

#: What a user stub naming a removed parameter does: fail the run, or a loud note (dev).
StalePolicy = Literal["error", "note"]

_MAX_LISTED = 6


@dataclass
class CodegenReport:
    """What one run did. Paths are absolute (as given by the caller)."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    stubs_created: list[Path] = field(default_factory=list)
    stubs_kept: list[Path] = field(default_factory=list)
    #: Things the user should act on, one line each (new stubs not in index.tsx, ...).
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A short human summary, for the CLI and the dev loop."""
        out = [
            f"codegen: {len(self.written)} file(s) written, {len(self.unchanged)} unchanged"
            + (f" ({_names(self.written)})" if self.written else "")
        ]
        if self.stubs_created:
            out.append(f"created UI stub(s): {_names(self.stubs_created)}")
        if self.stubs_kept:
            out.append(
                f"left {len(self.stubs_kept)} existing UI stub(s) alone "
                f"(yours, never overwritten): {_names(self.stubs_kept)}"
            )
        out.extend(self.notes)
        return out


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    return shown + (f" (+{len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else "")


def _names(paths: list[Path]) -> str:
    return _listed([p.name for p in paths])


def _check(result: ExtractionResult) -> None:
    # Metadata is validated upstream; this guards callers that build ParameterInfo by hand.
    params = result.parameters
    ids = [p.id for p in params]
    check_ids(ids)
    if len(set(ids)) != len(ids):
        dupes = sorted(pid for pid, n in Counter(ids).items() if n > 1)
        raise CodegenError(f"duplicate parameter id(s): {', '.join(dupes)}")
    for p in params:
        if p.type not in ("float", "bool", "enum"):
            raise CodegenError(f"parameter {p.id!r} has unknown type {p.type!r}")
    check_numbers([p.min for p in params] + [p.max for p in params] + [p.default for p in params])


def render_all(
    result: ExtractionResult, *, python_name: str = "params.py"
) -> dict[PurePosixPath, str]:
    """Every file ``generate`` could write (stubs included), relative paths, no I/O.

    TypeScript and stubs are under their UI-relative paths, the Python module under
    ``python/<python_name>``. Used by snapshot tests.
    """
    _check(result)
    out = typescript.render(result.parameters, result.processors)
    out.update(client_ts.render())
    out.update(ui_stubs.render(result.parameters))
    out[PurePosixPath("python") / python_name] = python.render(result.parameters)
    return out


def _write(path: Path, text: str) -> bool:
    try:
        return write_atomic(path, text)
    except OSError as exc:
        raise CodegenError(
            f"cannot write generated file: {exc.strerror or exc}",
            path=path,
            hint="check that the folder is writable; the previous files were left in place",
        ) from exc


def _missing_controls(stub: ui_stubs.GroupStub, path: Path) -> list[ParameterInfo]:
    """Ids of ``stub`` that its (user-owned) file never mentions: likely new parameters.

    A plain substring test: an id that only appears inside a longer one counts as
    mentioned, so this can miss a case but never nags about a control that is there.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [p for p in stub.parameters if p.id not in text]


def _stubs(ui_dir: Path, result: ExtractionResult, report: CodegenReport, *, changed: bool) -> None:
    plan = ui_stubs.plan(result.parameters)
    index = ui_dir / ui_stubs.INDEX_TSX
    index_existed = index.exists()
    new_groups: list[ui_stubs.GroupStub] = []
    for stub in plan:
        path = ui_dir / stub.path
        if path.exists():
            report.stubs_kept.append(path)
            # Only when the parameters changed: say it once, when it happens, not every run.
            missing = _missing_controls(stub, path) if changed else []
            if missing:
                first = missing[0]
                example = f'<{ui_stubs.CONTROL_FOR[first.type]} id="{first.id}" />'
                report.notes.append(
                    f"{stub.path.name} (kept) has no control for "
                    f"{_listed([p.id for p in missing])}; the page shows them under "
                    f"'More parameters'; to place them here add e.g. {example}"
                )
            continue
        _write(path, ui_stubs.render_group(stub))
        report.stubs_created.append(path)
        new_groups.append(stub)
    controls = ui_dir / ui_stubs.CONTROLS_TSX
    if controls.exists():
        report.stubs_kept.append(controls)
    else:
        _write(controls, ui_stubs.render_controls())
        report.stubs_created.append(controls)
    if index_existed:
        report.stubs_kept.append(index)
        for stub in new_groups:
            report.notes.append(
                f"new component {stub.component} created in {stub.path.name}; "
                f"add it to components/index.tsx (kept, never overwritten)"
            )
    else:
        _write(index, ui_stubs.render_index(plan))
        report.stubs_created.append(index)


def _stale_stubs(
    ui_dir: Path, result: ExtractionResult, policy: StalePolicy, report: CodegenReport
) -> None:
    stale = find_stale(ui_dir, set(result.ids))
    if not stale:
        return
    if policy == "error":
        first: StaleReference = stale[0]
        more = f" (and {_listed([s.id for s in stale[1:]])})" if len(stale) > 1 else ""
        raise CodegenError(
            f"{first.path.name}:{first.line} places parameter {first.id!r}{more}, which the "
            "plugin no longer declares (removed or renamed in the Rust code)",
            path=first.path,
            hint="remove or rename that control, then build again; "
            "the generated files were left unchanged",
        )
    for ref in stale:
        report.notes.append(
            f"warning: {ref.path.name}:{ref.line} places parameter {ref.id!r}, which the "
            "plugin no longer declares; the page shows it as removed and `npm run build` "
            "fails until you remove or rename that control"
        )


def generate(
    result: ExtractionResult,
    *,
    ui_dir: Path | None,
    python_module: Path | None,
    engine_port: int | None = None,
    stale_stubs: StalePolicy = "error",
) -> CodegenReport:
    """Write the bindings for ``result``; ``None`` skips that output.

    ``ui_dir`` is the UI project folder (holding ``src/``); ``python_module`` the full
    path of the generated Python module (e.g. ``python/my_synth/params.py``);
    ``engine_port`` the project's dev-engine port when it is not the protocol's default.
    A user source that still places a removed parameter raises ``CodegenError`` before
    anything is written (``stale_stubs="error"``) or becomes a warning note (``"note"``,
    the dev loop: a UI file must not hold back the DSP's hot reload).
    Raises ``CodegenError`` on an invalid id or a write failure.
    """
    _check(result)
    report = CodegenReport()
    if ui_dir is not None:
        _stale_stubs(ui_dir, result, stale_stubs, report)
    generated: dict[Path, str] = {}
    if ui_dir is not None:
        files = typescript.render(result.parameters, result.processors)
        files.update(client_ts.render(port=engine_port))
        for rel, text in files.items():
            generated[ui_dir / rel] = text
    if python_module is not None:
        generated[python_module] = python.render(result.parameters)
    for path, text in generated.items():
        (report.written if _write(path, text) else report.unchanged).append(path)
    if ui_dir is not None:
        _stubs(ui_dir, result, report, changed=ui_dir / typescript.PARAMETERS_TS in report.written)
    return report
