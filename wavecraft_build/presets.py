"""Factory presets: ``presets/<name>.json`` files, checked against the parameters like code.

One preset a file, JSON (written by people and by the dev engine's "save as preset", read
with the standard library; TOML would need a third-party writer)::

    {"name": "Warm", "author": "Me", "category": "Tone", "tags": ["soft"],
     "values": {"filter_cutoff": 800, "filter_mode": "Low-pass", "output_gain_invert": false}}

``name`` is optional (default: the file's stem); values are plain values by parameter id:
numbers in the parameter's unit for floats, ``true``/``false`` for bools, the variant name
for enums. ``load`` reads the folder (size, JSON, names); ``check`` holds every preset to
the extracted parameters and raises one ``PresetError`` naming file, key and allowed range.
``resolve`` turns a preset into one plain value per parameter: ids the preset leaves out
get their default (a preset is a whole sound: loading it anywhere gives the same values).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wavecraft_build._fs import write_atomic
from wavecraft_build.errors import PresetError
from wavecraft_build.metadata import ExtractionResult, ParameterInfo

__all__ = [
    "MAX_PRESET_BYTES",
    "PRESETS_DIR",
    "Preset",
    "PresetExists",
    "check",
    "check_name",
    "load",
    "load_checked",
    "missing_ids",
    "preset_path",
    "resolve",
    "save",
]

PRESETS_DIR = "presets"
SUFFIX = ".json"
#: A preset is a few hundred bytes; a bigger file is refused before it is read.
MAX_PRESET_BYTES = 1 << 20
MAX_NAME = 64
_KEYS = {"name", "author", "category", "tags", "values"}
_BAD_NAME = re.compile(r'[/\\:*?"<>|]')
_HINT = "fix the file in presets/; the last good bindings and bundles are unchanged"


class PresetExists(PresetError):
    """``save`` without ``overwrite`` found a preset of that name (any case)."""


@dataclass(frozen=True)
class Preset:
    name: str
    path: Path
    #: Plain values as written, by parameter id (float, bool or variant name).
    values: dict[str, Any]
    author: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()

    def info(self) -> dict[str, Any]:
        """Name and the optional author, category and tags: what a preset menu lists."""
        data: dict[str, Any] = {"name": self.name}
        if self.author:
            data["author"] = self.author
        if self.category:
            data["category"] = self.category
        if self.tags:
            data["tags"] = list(self.tags)
        return data

    def to_json(self) -> dict[str, Any]:
        return {**self.info(), "values": dict(self.values)}


def presets_dir(root: Path) -> Path:
    return root / PRESETS_DIR


def check_name(name: Any, *, path: Path | None = None) -> str:
    """``name`` if it can be a file name on every system, else ``PresetError``."""
    if not isinstance(name, str) or not name.strip():
        raise PresetError("a preset name must be a non-empty string", path=path, hint=_HINT)
    why = None
    if len(name) > MAX_NAME:
        why = f"is longer than {MAX_NAME} characters"
    elif any(unicodedata.category(c).startswith("C") for c in name):
        why = "contains a control character"
    elif _BAD_NAME.search(name):
        why = 'contains one of / \\ : * ? " < > | (it names a file in every format)'
    elif name != name.strip() or name.startswith("."):
        why = "starts with a dot or a space, or ends with a space"
    if why:
        raise PresetError(f"preset name {name!r} {why}", path=path, hint=_HINT)
    return name


def preset_path(root: Path, name: str) -> Path:
    return presets_dir(root) / f"{check_name(name)}{SUFFIX}"


def _read(path: Path) -> Preset:
    size = path.stat().st_size
    if size > MAX_PRESET_BYTES:
        raise PresetError(f"preset file is {size} bytes (at most {MAX_PRESET_BYTES})",
                          path=path, hint=_HINT)
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:
        raise PresetError(f"preset is not valid JSON: {exc}", path=path, hint=_HINT) from None
    if not isinstance(data, dict):
        raise PresetError("a preset is a JSON object with `values`", path=path, hint=_HINT)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise PresetError(f"unknown key `{unknown[0]}` (allowed: {', '.join(sorted(_KEYS))})",
                          path=path, hint=_HINT)
    name = check_name(data.get("name", path.stem), path=path)
    values = data.get("values")
    if not isinstance(values, dict):
        raise PresetError("`values` must be an object of parameter id -> plain value",
                          path=path, hint=_HINT)
    for key in ("author", "category"):
        if not isinstance(data.get(key, ""), str):
            raise PresetError(f"`{key}` must be a string", path=path, hint=_HINT)
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise PresetError("`tags` must be a list of strings", path=path, hint=_HINT)
    return Preset(name=name, path=path, values=values, author=data.get("author"),
                  category=data.get("category"), tags=tuple(tags))


def load(root: Path) -> list[Preset]:
    """Every preset of the project at ``root``, sorted by name (none without presets/).

    Two presets whose names differ only in case are an error: on a case-insensitive file
    system (and in a host's preset folder) they would be one file.
    """
    folder = presets_dir(root)
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix == SUFFIX and p.is_file())
    except FileNotFoundError:
        return []
    seen: dict[str, Preset] = {}
    for path in paths:
        preset = _read(path)
        other = seen.get(preset.name.casefold())
        if other is not None:
            same = "the same name" if other.name == preset.name else "names equal but for case"
            raise PresetError(
                f"two presets have {same}: {other.name!r} ({other.path.name}) and "
                f"{preset.name!r}", path=path, hint="rename one of them (the `name` key or "
                "the file); hosts keep presets as files named after them")
        seen[preset.name.casefold()] = preset
    return sorted(seen.values(), key=lambda p: p.name.casefold())


def _allowed(param: ParameterInfo) -> str:
    if param.type == "bool":
        return "true or false"
    if param.type == "enum":
        return "one of " + ", ".join(repr(v) for v in param.variants or ())
    unit = f" {param.unit}" if param.unit else ""
    return f"a number in {param.min:g}..{param.max:g}{unit}"


def plain_value(param: ParameterInfo, value: Any) -> float | None:
    """The plain float the DSP takes for a preset value, None when ``value`` is not allowed."""
    if param.type == "bool":
        return float(value) if isinstance(value, bool) else None
    if param.type == "enum":
        variants = param.variants or ()
        return float(variants.index(value)) if value in variants else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) if param.min <= value <= param.max else None


def _problems(preset: Preset, params: dict[str, ParameterInfo]) -> list[str]:
    out = []
    for key, value in preset.values.items():
        param = params.get(key)
        if param is None:
            out.append(f"unknown parameter id `{key}`")
        elif plain_value(param, value) is None:
            out.append(f"`{key}` = {json.dumps(value)}: expected {_allowed(param)}")
    return out


def check(presets: list[Preset], result: ExtractionResult) -> None:
    """Raise one ``PresetError`` for the first preset whose values do not fit ``result``."""
    params = {p.id: p for p in result.parameters}
    bad = [(p, _problems(p, params)) for p in presets]
    bad = [(p, problems) for p, problems in bad if problems]
    if not bad:
        return
    preset, problems = bad[0]
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    others = f"; also to fix: {', '.join(repr(p.name) for p, _ in bad[1:6])}" if bad[1:] else ""
    raise PresetError(f"preset {preset.name!r}: {problems[0]}{more}{others}",
                      path=preset.path, hint=_HINT)


def load_checked(root: Path, result: ExtractionResult) -> list[Preset]:
    presets = load(root)
    check(presets, result)
    return presets


def resolve(preset: Preset, result: ExtractionResult) -> dict[str, float]:
    """One plain value per parameter, in declaration order; left-out ids get the default.

    Values that do not fit (a preset not checked against these parameters) are left out
    too, so the result is always safe to apply.
    """
    out = {}
    for param in result.parameters:
        value = plain_value(param, preset.values[param.id]) if param.id in preset.values else None
        out[param.id] = param.default if value is None else value
    return out


def missing_ids(presets: list[Preset], result: ExtractionResult) -> dict[str, list[str]]:
    """Parameter id -> the presets that leave it out (they get its default)."""
    out: dict[str, list[str]] = {}
    for param in result.parameters:
        names = [p.name for p in presets if param.id not in p.values]
        if names:
            out[param.id] = names
    return out


def from_plain(name: str, values: dict[str, float], result: ExtractionResult,
               **meta: Any) -> Preset:
    """A preset of the plain values ``values`` (as the DSP holds them: 0/1, indices)."""
    written: dict[str, Any] = {}
    for param in result.parameters:
        if param.id not in values:
            continue
        value = values[param.id]
        if param.type == "bool":
            written[param.id] = value >= 0.5
        elif param.type == "enum":
            variants = param.variants or ()
            written[param.id] = variants[min(max(round(value), 0), len(variants) - 1)]
        else:
            written[param.id] = value
    return Preset(name=check_name(name), path=Path(f"{name}{SUFFIX}"), values=written, **meta)


def save(root: Path, preset: Preset, result: ExtractionResult, *,
         overwrite: bool = False) -> Path:
    """Write ``preset`` as ``presets/<name>.json``, checked, atomically.

    An existing file, or one whose name differs only in case, is never replaced unless
    ``overwrite`` (the user confirmed); then only that very file is.
    """
    path = preset_path(root, preset.name)
    check([preset], result)
    existing = {p.name.casefold(): p for p in load(root)}
    other = existing.get(preset.name.casefold())
    if other is not None and not overwrite:
        raise PresetExists(f"a preset named {other.name!r} exists", path=other.path,
                          hint="confirm to overwrite it, or choose another name")
    if other is not None:
        path = other.path
    text = json.dumps({**preset.to_json(), "name": preset.name}, indent=2) + "\n"
    write_atomic(path, text)
    return path
