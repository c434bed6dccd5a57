"""The dev engine's presets: ``listPresets``, ``loadPreset``, ``savePreset`` over presets/.

The files are read from disk on every call (a hand edit is seen at once, no cache to go
stale) and checked against the running DSP's parameters with ``wavecraft_build.presets``,
the same checks as the build. ``PresetError`` becomes the protocol's ``PRESET_INVALID``
(or ``PRESET_EXISTS`` / ``PRESET_NOT_FOUND``) with the file and the reason in the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wavecraft_build import presets
from wavecraft_build.engine.protocol import (
    INVALID_PARAMS,
    PRESET_EXISTS,
    PRESET_INVALID,
    PRESET_NOT_FOUND,
)
from wavecraft_build.engine.state import ParamStore, RpcError
from wavecraft_build.errors import PresetError
from wavecraft_build.metadata import ExtractionResult

__all__ = ["EnginePresets"]


def _refused(exc: PresetError) -> RpcError:
    where = f" ({exc.path.name})" if exc.path is not None else ""
    code = PRESET_EXISTS if isinstance(exc, presets.PresetExists) else PRESET_INVALID
    return RpcError(code, f"{exc.message}{where}"[:400])


class EnginePresets:
    """The presets of the project at ``root`` (None: the engine runs without a project)."""

    def __init__(self, root: Path | None, store: ParamStore) -> None:
        self.root = root
        self.store = store

    def _result(self) -> ExtractionResult:
        return ExtractionResult(parameters=self.store.parameters())

    def _all(self) -> list[presets.Preset]:
        if self.root is None:
            return []
        try:
            return presets.load(self.root)
        except PresetError as exc:
            raise _refused(exc) from None

    def list(self) -> dict[str, Any]:
        return {"presets": [p.info() for p in self._all()]}

    def values(self, name: Any) -> dict[str, float]:
        """Every parameter's plain value for the preset ``name`` (checked first)."""
        if not isinstance(name, str):
            raise RpcError(INVALID_PARAMS, "params.name must be a string")
        found = [p for p in self._all() if p.name == name]
        if not found:
            raise RpcError(PRESET_NOT_FOUND, f"no preset named {name[:100]!r}")
        try:
            presets.check(found, self._result())
        except PresetError as exc:
            raise _refused(exc) from None
        return presets.resolve(found[0], self._result())

    def save(self, name: Any, overwrite: Any) -> dict[str, Any]:
        if not isinstance(name, str) or not isinstance(overwrite, bool):
            raise RpcError(INVALID_PARAMS, "params.name is a string, params.overwrite a bool")
        if self.root is None:
            raise RpcError(PRESET_INVALID, "the engine runs without a project folder")
        _version, values = self.store.snapshot()
        try:
            preset = presets.from_plain(name, dict(values), self._result())
            path = presets.save(self.root, preset, self._result(), overwrite=overwrite)
        except PresetError as exc:
            raise _refused(exc) from None
        return {"name": name, "path": str(path.relative_to(self.root))}
