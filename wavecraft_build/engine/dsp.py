"""One loaded DSP in the engine process: a unique copy of the library, one vtable instance.

A Rust cdylib is never ``dlclose``d (its thread-local destructors would run against
unmapped code), and ``dlopen`` of a path that is already loaded returns the old image, so
every load maps a *unique copy* of the library (``stage_copy``): a hot swap really runs
the new code, and every old image stays mapped until the engine process exits (the README
says what that costs). Libraries are opened ``RTLD_LOCAL`` so two copies never resolve
symbols against each other.

``EngineDsp`` is ``_dsp_host.DspProcessor`` (the vtable logic shared with the runtime and
the release wheel) plus what the block clock needs: processing in place in a buffer whose
channel pointers are built once, and applying a whole set of values by id (ids the
library does not know are ignored; values were range-checked by the server). And
``unwinding``: whether a call of this image is reporting a panic right now (the SDK's
optional ``wavecraft_dev_unwinding`` export; a library without it cannot say), asked by
the watchdog while that call runs, from its own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from cffi import FFI

from wavecraft_build._dsp_host import VTABLE_CDEF, DspProcessor, open_vtable
from wavecraft_build._dsp_notes import NoteEvent, fill_events
from wavecraft_build.engine.staging import stage_copy
from wavecraft_build.errors import RuntimeLoadError
from wavecraft_build.metadata import ParameterInfo

__all__ = ["MAX_BLOCK_EVENTS", "UNWINDING_SYMBOL", "EngineDsp", "load_dsp", "rebase_values"]

#: Note events one block carries at most; the rest wait for the next block (the events
#: array is allocated once per instance).
MAX_BLOCK_EVENTS = 256

#: Optional export: 1 while a dev-vtable call of the library reports a panic (SDK ffi.rs).
UNWINDING_SYMBOL = "wavecraft_dev_unwinding"

_ffi = FFI()
_ffi.cdef(VTABLE_CDEF)
_ffi.cdef(f"uint32_t {UNWINDING_SYMBOL}(void);")
_LOADED: set[Path] = set()
_LOCK = threading.Lock()


def rebase_values(
    params: Sequence[ParameterInfo], current: Mapping[str, float]
) -> dict[str, float]:
    """Values for a new parameter list: kept by id (clamped into a changed range), new ids
    at their defaults; ids that are gone are dropped."""
    out: dict[str, float] = {}
    for p in params:
        value = current.get(p.id)
        if value is None:
            out[p.id] = p.default
        elif p.type == "float":
            out[p.id] = min(max(value, p.min), p.max)
        else:
            out[p.id] = value if p.min <= value <= p.max and float(value).is_integer() else (
                p.default
            )
    return out


def _open(library: Path, scratch: Path) -> Any:
    path = library.resolve()
    with _LOCK:
        if path in _LOADED:
            path = stage_copy(path, scratch)
        _LOADED.add(path)
    try:
        return _ffi.dlopen(str(path), _ffi.RTLD_NOW | _ffi.RTLD_LOCAL)
    except OSError as exc:
        raise RuntimeLoadError(
            f"cannot load the DSP library: {exc}",
            path=library,
            hint="check that it was built for this platform and architecture",
        ) from exc


class EngineDsp(DspProcessor[ParameterInfo]):
    """A processor instance of one library image, processing blocks in place."""

    def __init__(
        self, library: Path, lib: Any, params: Sequence[ParameterInfo], sample_rate: float
    ) -> None:
        self.library = library

        def fail(message: str, hint: str | None) -> RuntimeLoadError:
            return RuntimeLoadError(message, path=library, hint=hint)

        vtable = open_vtable(_ffi, lib, fail)
        super().__init__(_ffi, vtable, params, sample_rate=sample_rate, fail=fail)
        self._rows: Any = None  # float*[channels] into _bound, kept alive with _keep
        self._keep: Any = None
        self._bound: npt.NDArray[np.float32] | None = None
        self._events = self._ffi.new("DevNoteEvent[]", MAX_BLOCK_EVENTS)
        self.applied_version = -1
        try:  # the image is never unmapped: safe to ask even after this instance is dropped
            self._unwinding: Any = getattr(lib, UNWINDING_SYMBOL)
        except AttributeError:  # an SDK from before the export
            self._unwinding = None

    def unwinding(self) -> bool:
        """True while (and after) a call of this library reports a panic, until the next call
        begins; False when the library cannot say. Wait-free, any thread."""
        return self._unwinding is not None and bool(self._unwinding())

    def apply_values(self, values: Mapping[str, float], version: int) -> None:
        """Apply plain values by id (already checked); unknown ids are ignored."""
        for pid, value in values.items():
            i = self._index.get(pid)
            if i is not None:
                self._values[i] = value
        self._apply()
        self.applied_version = version

    def process_in_place(
        self, buffer: npt.NDArray[np.float32], notes: Sequence[NoteEvent] = ()
    ) -> None:
        """Run the DSP on ``buffer`` (channels, frames), C-contiguous float32, in place,
        with ``notes`` (checked, in time order, at most ``MAX_BLOCK_EVENTS``).

        The channel pointer array is built once per buffer, so a block costs one call.
        """
        if buffer is not self._bound:
            base = self._ffi.from_buffer("float[]", buffer, require_writable=True)
            channels, frames = buffer.shape
            rows = self._ffi.new("float *[]", channels)
            for c in range(channels):
                rows[c] = base + c * frames
            self._rows, self._keep, self._bound = rows, base, buffer
        # A panic comes back as a status (DspPanic), blamed on this very call.
        count = min(len(notes), MAX_BLOCK_EVENTS)
        if count:
            fill_events(self._events, notes[:count])
        self._check("process", self._vt.process(self._live(), self._rows, buffer.shape[0],
                                                buffer.shape[1], self._events, count))


def load_dsp(
    library: Path,
    params: Sequence[ParameterInfo],
    *,
    sample_rate: float,
    values: Mapping[str, float],
    version: int,
    scratch: Path,
) -> EngineDsp:
    """Load ``library`` (a fresh image), create an instance, set the rate, apply ``values``."""
    if not library.is_file():
        raise RuntimeLoadError("DSP library not found", path=library, hint="build the plugin")
    dsp = EngineDsp(library, _open(library, scratch), params, sample_rate)
    dsp.apply_values(values, version)
    return dsp
