"""Parameter and processor metadata: the types that cross stage boundaries, and their schema.

The Rust side hands over JSON (see "The binary contract" in README.md). ``validate`` turns
the decoded JSON into frozen dataclasses or raises ``SchemaViolation`` listing every
violation with the parameter id it belongs to. Nothing downstream (cache, codegen,
runtime) ever sees unvalidated data.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from wavecraft_build.errors import DuplicateId, SchemaViolation

__all__ = [
    "ID_PATTERN",
    "ExtractionResult",
    "ParamType",
    "ParameterInfo",
    "ProcessorInfo",
    "validate",
]

ParamType = Literal["float", "bool", "enum"]
_PARAM_TYPES: frozenset[str] = frozenset({"float", "bool", "enum"})
#: `<processor_snake_case>_<param>`, optionally with a `_2`-style suffix for repeats.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_ID_LEN = 128
_NUMBERS = ("value", "default", "min", "max")
_REQUIRED = ("id", "name", "type", *_NUMBERS)
_MAX_REPORTED = 8


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    id: str
    name: str
    type: ParamType
    value: float
    default: float
    min: float
    max: float
    unit: str | None = None
    group: str | None = None
    variants: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "value": self.value,
            "default": self.default,
            "min": self.min,
            "max": self.max,
        }
        if self.unit is not None:
            out["unit"] = self.unit
        if self.group is not None:
            out["group"] = self.group
        if self.variants is not None:
            out["variants"] = list(self.variants)
        return out


@dataclass(frozen=True, slots=True)
class ProcessorInfo:
    id: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id}


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    """What one extraction yields: the validated parameters and (optional) processors."""

    parameters: tuple[ParameterInfo, ...]
    processors: tuple[ProcessorInfo, ...] = field(default=())

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parameters)

    def to_json(self) -> dict[str, Any]:
        return {
            "parameters": [p.to_json() for p in self.parameters],
            "processors": [p.to_json() for p in self.processors],
        }

    @classmethod
    def from_json(cls, data: Any, *, source: Path | None = None) -> ExtractionResult:
        if not isinstance(data, dict):
            raise SchemaViolation(
                "expected an object with 'parameters' and 'processors'", path=source
            )
        return validate(data.get("parameters"), data.get("processors"), source=source)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_shape(raw: dict[str, Any], bad: Callable[[str], None]) -> None:
    """Fields present with the right JSON types (nothing about their values yet)."""
    pid, name, ptype = raw["id"], raw["name"], raw["type"]
    if not isinstance(pid, str):
        bad("'id' must be a string")
    elif len(pid) > _MAX_ID_LEN or not ID_PATTERN.match(pid):
        bad(f"id {pid!r} must match {ID_PATTERN.pattern} (at most {_MAX_ID_LEN} chars)")
    if not isinstance(name, str) or not name:
        bad("'name' must be a non-empty string")
    if ptype not in _PARAM_TYPES:
        bad(f"'type' must be one of float, bool, enum, got {ptype!r}")
    for key in _NUMBERS:
        if not _is_number(raw[key]):
            bad(f"{key!r} must be a finite number, got {raw[key]!r}")
    for key in ("unit", "group"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            bad(f"{key!r} must be a string or null")
    variants = raw.get("variants")
    if variants is not None and (
        not isinstance(variants, list) or not all(isinstance(v, str) for v in variants)
    ):
        bad("'variants' must be a list of strings")


def _check_range(raw: dict[str, Any], bad: Callable[[str], None]) -> None:
    lo, hi, default, value = (float(raw[k]) for k in ("min", "max", "default", "value"))
    if lo > hi:
        bad(f"min {lo:g} > max {hi:g}")
        return
    if not lo <= default <= hi:
        bad(f"default {default:g} outside [{lo:g}, {hi:g}]")
    if not lo <= value <= hi:
        bad(f"value {value:g} outside [{lo:g}, {hi:g}]")


def _check_bool(raw: dict[str, Any], bad: Callable[[str], None]) -> None:
    for key in ("default", "value", "min", "max"):
        if float(raw[key]) not in (0.0, 1.0):
            bad(f"bool {key} must be 0 or 1, got {raw[key]!r}")


def _check_enum(raw: dict[str, Any], bad: Callable[[str], None]) -> None:
    variants = raw.get("variants")
    if not variants:
        bad("enum needs a non-empty 'variants' list")
        return
    if float(raw["min"]) != 0 or float(raw["max"]) != len(variants) - 1:
        bad(f"enum range must be [0, {len(variants) - 1}] for {len(variants)} variants")
    for key in ("default", "value"):
        if not float(raw[key]).is_integer():
            bad(f"enum {key} must be a whole index, got {raw[key]!r}")


def _check_float(raw: dict[str, Any], bad: Callable[[str], None]) -> None:
    """A float needs nothing beyond the range check every type gets."""


_TYPE_CHECKS: dict[str, Callable[[dict[str, Any], Callable[[str], None]], None]] = {
    "float": _check_float,
    "bool": _check_bool,
    "enum": _check_enum,
}


def _check_param(raw: Any, index: int, problems: list[str]) -> ParameterInfo | None:
    """One parameter: its shape first, then its values (range, then per-type rules)."""
    if not isinstance(raw, dict):
        problems.append(f"[{index}]: expected an object, got {type(raw).__name__}")
        return None
    label = raw["id"] if isinstance(raw.get("id"), str) else f"[{index}]"
    before = len(problems)

    def bad(msg: str) -> None:
        problems.append(f"{label}: {msg}")

    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        bad(f"missing field(s) {', '.join(missing)}")
        return None
    _check_shape(raw, bad)
    if len(problems) == before:
        _check_range(raw, bad)
        _TYPE_CHECKS[raw["type"]](raw, bad)
    if len(problems) > before:
        return None
    variants = raw.get("variants")
    return ParameterInfo(
        id=raw["id"],
        name=raw["name"],
        type=cast(ParamType, raw["type"]),
        value=raw["value"],
        default=raw["default"],
        min=raw["min"],
        max=raw["max"],
        unit=raw.get("unit"),
        group=raw.get("group"),
        variants=tuple(variants) if variants is not None else None,
    )


def _raise(problems: list[str], source: Path | None, cls: type[SchemaViolation]) -> None:
    shown = "; ".join(problems[:_MAX_REPORTED])
    more = f" (+{len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED else ""
    noun = "violation" if len(problems) == 1 else "violations"
    raise cls(
        f"{len(problems)} parameter schema {noun}: {shown}{more}",
        path=source,
        hint="fix the parameter declarations in the plugin's Rust code and rebuild",
    )


def validate(
    params: Any, processors: Any = None, *, source: Path | None = None
) -> ExtractionResult:
    """Check decoded JSON against the ParameterInfo schema; return frozen metadata."""
    if not isinstance(params, list):
        raise SchemaViolation(
            f"wavecraft_get_params_json must return a JSON array, got {type(params).__name__}",
            path=source,
            hint="return serde_json::to_string(&Vec<ParameterInfo>) from the getter",
        )
    problems: list[str] = []
    checked = [_check_param(raw, i, problems) for i, raw in enumerate(params)]
    procs: list[ProcessorInfo] = []
    if processors is not None:
        if not isinstance(processors, list):
            problems.append("processors: expected a JSON array")
        else:
            for i, raw in enumerate(processors):
                if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
                    procs.append(ProcessorInfo(id=raw["id"]))
                else:
                    problems.append(f"processors[{i}]: expected an object with a string 'id'")
    if problems:
        _raise(problems, source, SchemaViolation)
    good = [p for p in checked if p is not None]
    dupes = [pid for pid, n in Counter(p.id for p in good).items() if n > 1]
    if dupes:
        _raise([f"{d}: duplicate id" for d in dupes], source, DuplicateId)
    return ExtractionResult(parameters=tuple(good), processors=tuple(procs))
