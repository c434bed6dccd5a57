"""What the engine knows and the clients ask about: parameters, their values, audio status.

``ParamStore`` holds the parameter list of the running DSP and one plain value per id,
range-checked on the way in (the JSON-RPC errors come from here as ``RpcError``); every
set moves ``version``, which is how the block clock notices new values without a lock
on its path. ``AudioStatus`` is the protocol's status object.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wavecraft_build.engine.dsp import rebase_values
from wavecraft_build.engine.protocol import (
    INVALID_PARAMS,
    PARAM_NOT_FOUND,
    PARAM_OUT_OF_RANGE,
    ErrorCode,
)
from wavecraft_build.metadata import ParameterInfo

__all__ = ["AudioStatus", "ParamStore", "RpcError"]


class RpcError(Exception):
    """A JSON-RPC error answer: one of ``protocol.ERRORS`` and a message."""

    def __init__(self, error: ErrorCode, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.error = error
        self.code = error.code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


class ParamStore:
    """The running DSP's parameters and their current plain values (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._params: dict[str, ParameterInfo] = {}
        self._values: dict[str, float] = {}
        self._version = 0

    @property
    def version(self) -> int:
        return self._version

    def snapshot(self) -> tuple[int, Mapping[str, float]]:
        with self._lock:
            return self._version, dict(self._values)

    def replace(self, params: Sequence[ParameterInfo]) -> bool:
        """Switch to a new parameter list (after a swap); values kept by id. Returns whether
        the list changed (ids, order, ranges...)."""
        with self._lock:
            changed = tuple(self._params.values()) != tuple(params)
            self._values = rebase_values(params, self._values)
            self._params = {p.id: p for p in params}
            self._version += 1
            return changed

    def seed(self, values: Mapping[str, float]) -> None:
        """Adopt ``values`` (from an engine that crashed) before the next ``replace``, which
        keeps those that fit the new list."""
        with self._lock:
            self._values = {str(k): float(v) for k, v in values.items()
                            if isinstance(v, int | float) and math.isfinite(v)}
            self._version += 1

    def rebased(self, params: Sequence[ParameterInfo]) -> tuple[int, dict[str, float]]:
        with self._lock:
            return self._version, rebase_values(params, self._values)

    def parameters(self) -> tuple[ParameterInfo, ...]:
        """The running DSP's parameter list (declaration order)."""
        with self._lock:
            return tuple(self._params.values())

    def get(self, pid: Any) -> float:
        with self._lock:
            return self._values[self._known(pid).id]

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**p.to_json(), "value": self._values[p.id]} for p in self._params.values()]

    def set(self, pid: Any, value: Any) -> float:
        """Check and store one value; returns it as stored (bools as 0/1)."""
        with self._lock:
            p = self._known(pid)
            number = _checked(p, value)
            self._values[p.id] = number
            self._version += 1
            return number

    def _known(self, pid: Any) -> ParameterInfo:
        if not isinstance(pid, str):
            raise RpcError(INVALID_PARAMS, "params.id must be a string")
        p = self._params.get(pid)
        if p is None:
            raise RpcError(PARAM_NOT_FOUND, f"unknown parameter id {pid[:100]!r}")
        return p


def _checked(p: ParameterInfo, value: Any) -> float:
    if isinstance(value, bool):
        if p.type != "bool":
            raise RpcError(INVALID_PARAMS, f"{p.id} takes a number, got a boolean")
        return 1.0 if value else 0.0
    if not isinstance(value, int | float):
        raise RpcError(INVALID_PARAMS, f"params.value must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise RpcError(INVALID_PARAMS, "params.value must be a finite number")
    if not p.min <= number <= p.max:
        raise RpcError(
            PARAM_OUT_OF_RANGE,
            f"{p.id}: {number:g} is outside [{p.min:g}, {p.max:g}]",
            {"min": p.min, "max": p.max},
        )
    if p.type in ("bool", "enum") and not number.is_integer():
        raise RpcError(PARAM_OUT_OF_RANGE, f"{p.id} takes a whole number ({p.type})")
    return number


@dataclass
class AudioStatus:
    """The protocol's ``AudioStatus``."""

    phase: str = "initializing"
    sample_rate: int | None = None
    buffer_size: int | None = None
    diagnostic: dict[str, str] | None = None
    updated_at_ms: int = 0

    def set(self, phase: str, diagnostic: dict[str, str] | None = None) -> None:
        self.phase = phase
        self.diagnostic = diagnostic
        self.updated_at_ms = int(time.time() * 1000)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"phase": self.phase, "updated_at_ms": self.updated_at_ms}
        if self.sample_rate is not None:
            out["sample_rate"] = self.sample_rate
        if self.buffer_size is not None:
            out["buffer_size"] = self.buffer_size
        if self.diagnostic is not None:
            out["diagnostic"] = self.diagnostic
        return out
