"""The parameter schema, checked on plain decoded JSON: the one definition of what is valid.

``check`` takes what the getters' JSON decoded to and returns it in canonical form (a list
of dicts with a fixed key order, absent optionals dropped), or raises ``SchemaViolation`` /
``DuplicateId`` listing every violation with the parameter id it belongs to. ``metadata``
builds its frozen classes on top of this; the CLI's cold ``extract --json`` prints the
canonical dicts directly, so it never imports ``dataclasses`` (whose ``inspect`` import
alone is half a cold extraction). That is also why this module imports only ``math`` and
``re`` (which ``json`` loads anyway).
"""

from __future__ import annotations

import math
import re

from wavecraft_build.errors import DuplicateId, SchemaViolation

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Mapping
    from typing import Any

    Bad = Callable[[str], None]
    StrPath = str | os.PathLike[str]

__all__ = ["FIELDS", "ID_PATTERN", "OPTIONAL_FIELDS", "PARAM_TYPES", "canonical", "check"]

PARAM_TYPES: frozenset[str] = frozenset({"float", "bool", "enum"})
#: `<processor_snake_case>_<param>`, optionally with a `_2`-style suffix for repeats.
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")  # always with fullmatch: `$` allows a final "\n"
_MAX_ID_LEN = 128
_NUMBERS = ("value", "default", "min", "max")
#: Every parameter has these, in this order (the order ``extract --json`` prints).
FIELDS = ("id", "name", "type", *_NUMBERS)
#: Printed after ``FIELDS`` when not null, in this order.
OPTIONAL_FIELDS = ("unit", "group", "variants")
_MAX_REPORTED = 8


def canonical(fields: Mapping[str, Any]) -> dict[str, Any]:
    """One parameter as it is printed and cached: fixed key order, null optionals dropped."""
    out = {key: fields[key] for key in FIELDS}
    for key in OPTIONAL_FIELDS:
        value = fields.get(key)
        if value is not None:
            out[key] = list(value) if key == "variants" else value
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_shape(raw: dict[str, Any], bad: Bad) -> None:
    """Fields present with the right JSON types (nothing about their values yet)."""
    pid, name, ptype = raw["id"], raw["name"], raw["type"]
    if not isinstance(pid, str):
        bad("'id' must be a string")
    elif len(pid) > _MAX_ID_LEN or not ID_PATTERN.fullmatch(pid):
        bad(f"id {pid!r} must match {ID_PATTERN.pattern} (at most {_MAX_ID_LEN} chars)")
    if not isinstance(name, str) or not name:
        bad("'name' must be a non-empty string")
    if ptype not in PARAM_TYPES:
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


def _check_range(raw: dict[str, Any], bad: Bad) -> None:
    lo, hi, default, value = (float(raw[k]) for k in ("min", "max", "default", "value"))
    if lo > hi:
        bad(f"min {lo:g} > max {hi:g}")
        return
    if not lo <= default <= hi:
        bad(f"default {default:g} outside [{lo:g}, {hi:g}]")
    if not lo <= value <= hi:
        bad(f"value {value:g} outside [{lo:g}, {hi:g}]")


def _check_bool(raw: dict[str, Any], bad: Bad) -> None:
    for key in ("default", "value", "min", "max"):
        if float(raw[key]) not in (0.0, 1.0):
            bad(f"bool {key} must be 0 or 1, got {raw[key]!r}")


def _check_enum(raw: dict[str, Any], bad: Bad) -> None:
    variants = raw.get("variants")
    if not variants:
        bad("enum needs a non-empty 'variants' list")
        return
    if float(raw["min"]) != 0 or float(raw["max"]) != len(variants) - 1:
        bad(f"enum range must be [0, {len(variants) - 1}] for {len(variants)} variants")
    for key in ("default", "value"):
        if not float(raw[key]).is_integer():
            bad(f"enum {key} must be a whole index, got {raw[key]!r}")


def _check_float(raw: dict[str, Any], bad: Bad) -> None:
    """A float needs nothing beyond the range check every type gets."""


_TYPE_CHECKS: dict[str, Callable[[dict[str, Any], Bad], None]] = {
    "float": _check_float,
    "bool": _check_bool,
    "enum": _check_enum,
}


def _check_param(raw: Any, index: int, problems: list[str]) -> dict[str, Any] | None:
    """One parameter: its shape first, then its values (range, then per-type rules)."""
    if not isinstance(raw, dict):
        problems.append(f"[{index}]: expected an object, got {type(raw).__name__}")
        return None
    label = raw["id"] if isinstance(raw.get("id"), str) else f"[{index}]"
    before = len(problems)

    def bad(msg: str) -> None:
        problems.append(f"{label}: {msg}")

    missing = [k for k in FIELDS if k not in raw]
    if missing:
        bad(f"missing field(s) {', '.join(missing)}")
        return None
    _check_shape(raw, bad)
    if len(problems) == before:
        _check_range(raw, bad)
        _TYPE_CHECKS[raw["type"]](raw, bad)
    return canonical(raw) if len(problems) == before else None


def _check_processors(processors: Any, problems: list[str]) -> list[dict[str, Any]]:
    if processors is None:
        return []
    if not isinstance(processors, list):
        problems.append("processors: expected a JSON array")
        return []
    good = []
    for i, raw in enumerate(processors):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
            good.append({"id": raw["id"]})
        else:
            problems.append(f"processors[{i}]: expected an object with a string 'id'")
    return good


def _raise(problems: list[str], source: StrPath | None, cls: type[SchemaViolation]) -> None:
    shown = "; ".join(problems[:_MAX_REPORTED])
    more = f" (+{len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED else ""
    noun = "violation" if len(problems) == 1 else "violations"
    raise cls(
        f"{len(problems)} parameter schema {noun}: {shown}{more}",
        path=source,
        hint="fix the parameter declarations in the plugin's Rust code and rebuild",
    )


def check(
    params: Any, processors: Any = None, *, source: StrPath | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Check decoded JSON against the schema; return (parameters, processors), canonical."""
    if not isinstance(params, list):
        raise SchemaViolation(
            f"wavecraft_get_params_json must return a JSON array, got {type(params).__name__}",
            path=source,
            hint="return serde_json::to_string(&Vec<ParameterInfo>) from the getter",
        )
    problems: list[str] = []
    checked = [_check_param(raw, i, problems) for i, raw in enumerate(params)]
    procs = _check_processors(processors, problems)
    if problems:
        _raise(problems, source, SchemaViolation)
    good = [p for p in checked if p is not None]
    counts: dict[str, int] = {}
    for p in good:
        counts[p["id"]] = counts.get(p["id"], 0) + 1
    dupes = [pid for pid, n in counts.items() if n > 1]
    if dupes:
        _raise([f"{d}: duplicate id" for d in dupes], source, DuplicateId)
    return good, procs

