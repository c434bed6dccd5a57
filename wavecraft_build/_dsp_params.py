"""A parameter as the DSP host sees it: what it reads of one (``ParamLike``, or
``ParamSpec.from_json`` of the plugin's params JSON, ``read_params_json``) and how a value
for it, or a sample rate, is checked before it reaches plugin code.

Beside ``_dsp_host`` and copied verbatim with it into every plugin wheel, so it imports
only the standard library and numpy and runs on the wheel's oldest Python, 3.10.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["ParamLike", "ParamSpec", "checked_rate", "checked_value", "read_params_json"]


class ParamLike(Protocol):
    """What the host reads of a parameter (``wavecraft_build.metadata.ParameterInfo`` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def min(self) -> float: ...
    @property
    def max(self) -> float: ...
    @property
    def default(self) -> float: ...
    @property
    def variants(self) -> tuple[str, ...] | None: ...


@dataclass(frozen=True)
class ParamSpec:
    """A parameter as the host needs it, from one entry of the plugin's params JSON."""

    id: str
    type: str
    min: float
    max: float
    default: float
    variants: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> ParamSpec:
        variants = entry.get("variants")
        return cls(
            id=str(entry["id"]), type=str(entry["type"]), min=float(entry["min"]),
            max=float(entry["max"]), default=float(entry["default"]),
            variants=tuple(str(v) for v in variants) if variants is not None else None,
        )


def read_params_json(ffi: Any, lib: Any) -> tuple[dict[str, Any], ...]:
    """The plugin's parameter list, from its ``wavecraft_get_params_json`` export."""
    ptr = lib.wavecraft_get_params_json()
    if ptr == ffi.NULL:
        raise ImportError("the plugin library returned no parameter list")
    try:
        text = ffi.string(ptr).decode("utf-8")
    finally:
        lib.wavecraft_free_string(ptr)
    return tuple(json.loads(text))


def checked_value(p: ParamLike, value: float | bool | str) -> float:
    """``value`` as the plain number ``p`` takes: a variant name or index for an enum,
    False/True or 0/1 for a bool, a finite number in range; else ``ValueError``/``TypeError``."""
    if p.type == "enum" and isinstance(value, str):
        variants = p.variants or ()
        if value not in variants:
            raise ValueError(f"{p.id}: {value!r} is not one of {list(variants)}")
        return float(variants.index(value))
    if isinstance(value, str) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{p.id}: expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or not p.min <= number <= p.max:
        raise ValueError(f"{p.id}: {value!r} is outside [{p.min:g}, {p.max:g}]")
    if p.type == "bool" and number not in (0.0, 1.0):
        raise ValueError(f"{p.id}: a bool parameter takes 0 or 1 (or False/True)")
    if p.type == "enum" and not number.is_integer():
        raise ValueError(f"{p.id}: an enum parameter takes a variant index or name")
    return number


def checked_rate(sample_rate: float) -> float:
    number = float(sample_rate)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"sample rate must be positive and finite, got {sample_rate!r}")
    return number
