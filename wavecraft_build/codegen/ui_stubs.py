"""Render the React UI stubs: one component per parameter group, shared controls, an index.

These files are starting points the plugin author edits, so ``codegen.generate`` creates
each one only when it does not exist and never overwrites it. ``plan`` is cheap (grouping
and file names only) so a run can check which stubs exist before rendering any of them.

File and component names come from group names, which are arbitrary strings: only ASCII
letters and digits survive, a leading digit or an empty result gets a ``Group`` prefix, and
names that collide (compared case-insensitively, for macOS and Windows file systems) get a
short hash of the exact group name, so the same group always maps to the same file no
matter the order it shows up in. Group names reach the generated source only as JSON
string literals.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from wavecraft_build.codegen._text import ts_str
from wavecraft_build.errors import CodegenError
from wavecraft_build.metadata import ID_PATTERN, ParameterInfo

__all__ = [
    "COMPONENTS_DIR",
    "CONTROLS_TSX",
    "CONTROL_FOR",
    "DEFAULT_GROUP",
    "INDEX_TSX",
    "GroupStub",
    "component_base",
    "plan",
    "render",
    "render_controls",
    "render_group",
    "render_index",
]

#: Parameters without a group are laid out under this label.
DEFAULT_GROUP = "General"
COMPONENTS_DIR = PurePosixPath("src/components")
CONTROLS_TSX = COMPONENTS_DIR / "controls.tsx"
INDEX_TSX = COMPONENTS_DIR / "index.tsx"

_MAX_BASE = 48
_WORD = re.compile(r"[A-Za-z0-9]+")
#: The control component (in ``controls.tsx``) each parameter type gets.
CONTROL_FOR = {"float": "FloatSlider", "bool": "BoolToggle", "enum": "EnumSelect"}

HEADER = (
    "// Created once by wavecraft-build as a starting point. This file is yours: edit it\n"
    "// freely; wavecraft-build never overwrites it.\n"
)


@dataclass(frozen=True, slots=True)
class GroupStub:
    """One parameter group and the component file it gets."""

    label: str
    component: str
    path: PurePosixPath
    parameters: tuple[ParameterInfo, ...]


def component_base(group: str) -> str:
    """``"low band / EQ"`` -> ``"LowBandEQ"``: ASCII letters and digits, PascalCase."""
    base = "".join(w[0].upper() + w[1:] for w in _WORD.findall(group))[:_MAX_BASE]
    if not base or base[0].isdigit():
        base = "Group" + base
    return base


def _hashed(base: str, group: str) -> str:
    digest = hashlib.sha256(group.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{base}{digest.upper()}"


def plan(parameters: Iterable[ParameterInfo]) -> list[GroupStub]:
    """Group parameters (first-appearance order) and name each group's component file."""
    groups: dict[str, list[ParameterInfo]] = {}
    for p in parameters:
        groups.setdefault(p.group if p.group is not None else DEFAULT_GROUP, []).append(p)
    bases = {label: component_base(label) for label in groups}
    seen: dict[str, int] = {}
    for base in bases.values():
        seen[base.casefold()] = seen.get(base.casefold(), 0) + 1
    stubs = []
    for label, members in groups.items():
        base = bases[label]
        if seen[base.casefold()] > 1:
            base = _hashed(base, label)
        component = f"{base}Controls"
        stubs.append(
            GroupStub(label, component, COMPONENTS_DIR / f"{component}.tsx", tuple(members))
        )
    return stubs


def _attr_id(p: ParameterInfo) -> str:
    # Ids go in as plain JSX attribute strings, which have no escapes: only safe ids may.
    if not ID_PATTERN.fullmatch(p.id):
        raise CodegenError(f"parameter id {p.id!r} must match {ID_PATTERN.pattern}")
    return p.id


def render_group(stub: GroupStub) -> str:
    """The component of one group: a labelled fieldset with one control per parameter."""
    used = sorted({CONTROL_FOR[p.type] for p in stub.parameters})
    controls = "".join(
        f'      <{CONTROL_FOR[p.type]} id="{_attr_id(p)}" />\n' for p in stub.parameters
    )
    return (
        f"{HEADER}"
        "import type { ReactElement } from 'react';\n"
        f"import {{ {', '.join(used)} }} from './controls';\n"
        "\n"
        "/** The controls of one parameter group, labelled with the plugin's group name. */\n"
        f"export function {stub.component}(): ReactElement {{\n"
        "  return (\n"
        '    <fieldset className="wc-group">\n'
        f"      <legend>{{{ts_str(stub.label)}}}</legend>\n"
        f"{controls}"
        "    </fieldset>\n"
        "  );\n"
        "}\n"
    )


def render_index(stubs: Sequence[GroupStub]) -> str:
    """``index.tsx``: ``ParameterPanel`` lays out every group component in order."""
    imports = "".join(
        f"import {{ {s.component} }} from './{s.component}';\n"
        for s in sorted(stubs, key=lambda s: s.component)
    )
    if stubs:
        body = "".join(f"      <{s.component} />\n" for s in stubs)
        panel = f'    <div className="wc-parameter-panel">\n{body}    </div>\n'
    else:
        panel = '    <div className="wc-parameter-panel" />\n'
    return (
        f"{HEADER}"
        "import type { ReactElement } from 'react';\n"
        f"{imports}"
        "\n"
        "/** Every parameter group's controls, in the plugin's declaration order. */\n"
        "export function ParameterPanel(): ReactElement {\n"
        "  return (\n"
        f"{panel}"
        "  );\n"
        "}\n"
    )


_CONTROLS = """\
import type { ReactElement } from 'react';
import { useParameter } from '../generated/hooks';
import { ParameterView } from '../generated/panel';
import type { BoolParameterId, EnumParameterId, FloatParameterId } from '../generated/parameters';

// Each control reads and sets its parameter on the dev engine through useParameter (the
// value moves at once and rolls back if the engine refuses it) and draws it with the
// generated panel's ParameterView (slider, toggle or select, data-param-id on each; a
// parameter a hot reload removed shows as such, no exception). The id types make a
// control that names a removed parameter stop compiling. Replace the view with your own
// markup whenever you like: this file is yours. A parameter this page shows through
// useParameter is left out of the generated "More parameters" panel.

/** A slider for a float parameter, from min to max. */
export function FloatSlider({ id }: { readonly id: FloatParameterId }): ReactElement {
  return <ParameterView param={useParameter(id)} />;
}

/** A checkbox for an on/off parameter (0 or 1). */
export function BoolToggle({ id }: { readonly id: BoolParameterId }): ReactElement {
  return <ParameterView param={useParameter(id)} />;
}

/** A select for a choice parameter; the value is the variant's index. */
export function EnumSelect({ id }: { readonly id: EnumParameterId }): ReactElement {
  return <ParameterView param={useParameter(id)} />;
}
"""


def render_controls() -> str:
    """``controls.tsx``: the slider, toggle and select every group component uses."""
    return HEADER + _CONTROLS


def render(parameters: Sequence[ParameterInfo]) -> dict[PurePosixPath, str]:
    """Every stub, keyed by path relative to the UI folder (for snapshots and tests)."""
    stubs = plan(parameters)
    out = {s.path: render_group(s) for s in stubs}
    out[CONTROLS_TSX] = render_controls()
    out[INDEX_TSX] = render_index(stubs)
    return out
