"""Parameter and processor metadata: the frozen types that cross stage boundaries.

The Rust side hands over JSON (see "The binary contract" in README.md). ``validate`` checks
the decoded JSON with ``_schema.check`` (which raises ``SchemaViolation`` listing every
violation with the parameter id it belongs to) and turns the canonical result into frozen
dataclasses. Nothing downstream (cache, codegen, runtime) ever sees unvalidated data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wavecraft_build import _schema
from wavecraft_build._schema import ID_PATTERN
from wavecraft_build.errors import SchemaViolation

__all__ = [
    "ID_PATTERN",
    "ExtractionResult",
    "ParamType",
    "ParameterInfo",
    "ProcessorInfo",
    "from_canonical",
    "validate",
]

ParamType = Literal["float", "bool", "enum"]


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
        """The canonical form ``extract --json`` prints and the cache stores."""
        return _schema.canonical({name: getattr(self, name) for name in _FIELD_NAMES})


_FIELD_NAMES = (*_schema.FIELDS, *_schema.OPTIONAL_FIELDS)


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


def validate(
    params: Any, processors: Any = None, *, source: Path | None = None
) -> ExtractionResult:
    """Check decoded JSON against the ParameterInfo schema; return frozen metadata."""
    return from_canonical(*_schema.check(params, processors, source=source))


def from_canonical(
    good: list[dict[str, Any]], procs: list[dict[str, Any]]
) -> ExtractionResult:
    """The frozen result for what ``_schema.check`` returned."""
    return ExtractionResult(
        parameters=tuple(_parameter(p) for p in good),
        processors=tuple(ProcessorInfo(id=p["id"]) for p in procs),
    )


def _parameter(p: dict[str, Any]) -> ParameterInfo:
    variants = p.get("variants")
    return ParameterInfo(
        id=p["id"], name=p["name"], type=p["type"], value=p["value"], default=p["default"],
        min=p["min"], max=p["max"], unit=p.get("unit"), group=p.get("group"),
        variants=tuple(variants) if variants is not None else None,
    )
