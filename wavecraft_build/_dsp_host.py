"""Drive a wavecraft plugin's DSP through its DevProcessorVTable: numpy blocks in and out.

The one copy of the host logic behind both ``wavecraft_build.runtime`` (the plugin
author's in-process test runtime) and the Python wheel that ``release`` builds. It is
copied verbatim into every plugin wheel as ``<package>/_dsp_host.py``, so it imports only
the standard library, numpy and cffi (never ``wavecraft_build``) and runs on the wheel's
oldest Python, 3.10. What differs between the two hosts is passed in: the cffi ``ffi``
and loaded ``lib``, the parameter list (anything with the ``ParamLike`` attributes, or
``ParamSpec.from_json`` of the plugin's params JSON) and ``fail``, which turns a load
problem (message, hint) into the exception that host raises.

Parameters (``ParamLike``, ``ParamSpec``, ``read_params_json``) and the checks of a value
or a sample rate are in ``_dsp_params``, copied beside this file (and re-exported here).

``process`` takes a C-contiguous float32 array shaped (channels, samples) and returns a
new array; anything else is rejected with a clear error rather than converted or
reinterpreted. ``notes=[...]`` are ``NoteEvent``s (``note_on``, ``note_off``, ... or
``from_midi`` for raw MIDI bytes), each at a sample offset inside the block: the SDK
delivers each one on its exact sample (vtable version 4). A call that panicked in plugin
code (the SDK catches the unwind and returns a status) raises ``DspPanic`` with the
message the SDK recorded for that call (``last_error``), never a guess from what the
plugin printed.
"""

from __future__ import annotations

import difflib
import weakref
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from ._dsp_notes import NoteEvent, checked_notes, fill_events
from ._dsp_params import ParamLike, ParamSpec, checked_rate, checked_value, read_params_json

__all__ = [
    "MAX_CHANNELS",
    "SYMBOL",
    "VTABLE_CDEF",
    "VTABLE_VERSION",
    "DspPanic",
    "DspProcessor",
    "LoadFailure",
    "NoteEvent",
    "ParamLike",
    "ParamSpec",
    "last_error",
    "open_vtable",
    "read_params_json",
]

#: The DevProcessorVTable layout this module speaks.
VTABLE_VERSION: Final = 4
SYMBOL: Final = "wavecraft_dev_create_processor"
#: Channels the SDK processes in one call (``wavecraft::MAX_CHANNELS``).
MAX_CHANNELS: Final = 32
#: The C declarations of the contract, for ``FFI.cdef`` and the wheel's C header. Calls
#: return 0, or 1 when they panicked; ``last_error(inst, buf, cap)`` then copies that
#: instance's panic message. ``create(buf, cap)`` returns null when it panicked, with the
#: message in ``buf``. ``process`` takes the block's note events in time order; ``notes``
#: is 1 when the plugin takes notes (an instrument).
VTABLE_CDEF: Final = """\
typedef struct {
    uint32_t offset;
    uint8_t kind;
    uint8_t channel;
    uint8_t data;
    uint8_t reserved;
    float value;
} DevNoteEvent;
typedef struct {
    uint32_t version;
    uint32_t notes;
    void *(*create)(char *, size_t);
    int32_t (*process)(void *, float **, uint32_t, uint32_t, const DevNoteEvent *, size_t);
    int32_t (*apply_plain_values)(void *, const float *, size_t);
    int32_t (*set_sample_rate)(void *, float);
    int32_t (*reset)(void *);
    void (*drop)(void *);
    size_t (*last_error)(void *, char *, size_t);
} DevProcessorVTable;
DevProcessorVTable wavecraft_dev_create_processor(void);
"""
_FUNCTIONS: Final = ("create", "process", "apply_plain_values", "set_sample_rate", "reset",
                     "drop", "last_error")
_ERROR_BYTES: Final = 1024
_U32_MAX: Final = 2**32 - 1

#: Builds the exception a host raises for a load problem, from a message and a hint.
LoadFailure = Callable[[str, str | None], Exception]

def open_vtable(ffi: Any, lib: Any, fail: LoadFailure) -> Any:
    """The plugin's DevProcessorVTable, checked: right version, no null function."""
    try:
        getter = getattr(lib, SYMBOL)
    except AttributeError as exc:
        raise fail(
            f"symbol {SYMBOL} missing",
            "build with the _param-discovery feature, and export the dev processor "
            "(wavecraft's plugin macro does this)",
        ) from exc
    vt = getter()
    if vt.version != VTABLE_VERSION:
        raise fail(
            f"DevProcessorVTable version mismatch: expected {VTABLE_VERSION}, got {vt.version}",
            "rebuild the plugin against a wavecraft SDK that matches this wavecraft-build",
        )
    for name in _FUNCTIONS:
        if getattr(vt, name) == ffi.NULL:
            raise fail(f"DevProcessorVTable.{name} is null", None)
    return vt


def _drop(vt: Any, inst: Any) -> None:
    vt.drop(inst)


class DspPanic(RuntimeError):
    """Plugin code panicked inside one vtable call (``call``); ``message`` is the panic's."""

    def __init__(self, call: str, message: str) -> None:
        super().__init__(f"{call}() panicked: {message or 'no message'}")
        self.call = call
        self.message = message


def last_error(ffi: Any, vtable: Any, inst: Any) -> str:
    """The last panic message the plugin recorded in ``inst`` (empty if none)."""
    buf = ffi.new("char[]", _ERROR_BYTES)
    vtable.last_error(inst, buf, _ERROR_BYTES)
    return str(ffi.string(buf).decode("utf-8", "replace"))


P = TypeVar("P", bound=ParamLike)
_Self = TypeVar("_Self", bound="DspProcessor[Any]")


class DspProcessor(Generic[P]):
    """One processor instance behind ``vtable``; a context manager that drops it on exit.

    ``parameters`` are the plugin's parameters in declaration order (the order
    ``apply_plain_values`` expects). Every parameter starts at its default; the sample
    rate, then the defaults, are applied on construction (the SDK's documented order).
    """

    def __init__(
        self,
        ffi: Any,
        vtable: Any,
        parameters: Sequence[P],
        *,
        sample_rate: float,
        fail: LoadFailure,
    ) -> None:
        params = tuple(parameters)
        self._ffi = ffi
        self._vt = vtable
        self._specs: dict[str, P] = {p.id: p for p in params}
        self._index = {p.id: i for i, p in enumerate(params)}
        self._values = ffi.new("float[]", max(len(params), 1))
        for i, p in enumerate(params):
            self._values[i] = p.default
        self._n_values = len(params)
        rate = checked_rate(sample_rate)
        err = ffi.new("char[]", _ERROR_BYTES)
        inst = vtable.create(err, _ERROR_BYTES)
        if inst == ffi.NULL:
            why = str(ffi.string(err).decode("utf-8", "replace"))
            raise fail(f"DevProcessorVTable.create panicked: {why}" if why else
                       "DevProcessorVTable.create returned null", None)
        self._inst = inst
        #: True when the plugin takes notes (an instrument); its input is then silence.
        self.takes_notes = bool(vtable.notes)
        # Exactly one drop: on close(), or when the object is collected, or at exit.
        self._finalizer = weakref.finalize(self, _drop, vtable, inst)
        self._check("set_sample_rate", vtable.set_sample_rate(inst, rate))
        self._apply()

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Drop the plugin's instance (once; later calls do nothing)."""
        self._finalizer()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _check(self, call: str, status: int) -> None:
        if status != 0:
            raise DspPanic(call, last_error(self._ffi, self._vt, self._inst))

    def _live(self) -> Any:
        if not self._finalizer.alive:
            raise RuntimeError("this Processor is closed")
        return self._inst

    # -- parameters --------------------------------------------------------------------

    @property
    def parameters(self) -> tuple[P, ...]:
        return tuple(self._specs.values())

    @property
    def values(self) -> dict[str, float]:
        """The plain value of each parameter, as last applied."""
        return {pid: float(self._values[i]) for pid, i in self._index.items()}

    def _spec(self, pid: str) -> P:
        try:
            # A generated ParamId member is a str whose value is the id.
            return self._specs[pid.value if isinstance(pid, Enum) else pid]
        except KeyError:
            close = difflib.get_close_matches(str(pid), list(self._specs), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"unknown parameter id {pid!r}{hint}") from None

    def set_param(self, pid: str, value: float | bool | str) -> None:
        """Set one parameter's plain value (range-checked) and apply it to the processor.

        Bool parameters take False/True or 0/1, enum parameters a variant index or name.
        """
        self.set_params({pid: value})

    def set_params(self, values: Mapping[str, float | bool | str]) -> None:
        """Set several parameters at once; nothing is applied if any value is invalid."""
        checked = [(self._spec(pid), v) for pid, v in values.items()]
        numbers = [(self._index[p.id], checked_value(p, v)) for p, v in checked]
        self._live()
        for i, number in numbers:
            self._values[i] = number
        self._apply()

    def _apply(self) -> None:
        self._check("apply_plain_values",
                    self._vt.apply_plain_values(self._live(), self._values, self._n_values))

    # -- processing --------------------------------------------------------------------

    def set_sample_rate(self, sample_rate: float) -> None:
        """Tell the processor the sample rate (positive and finite, in Hz)."""
        self._check("set_sample_rate",
                    self._vt.set_sample_rate(self._live(), checked_rate(sample_rate)))

    def reset(self) -> None:
        """Clear the processor's internal state (delay lines, envelopes...)."""
        self._check("reset", self._vt.reset(self._live()))

    def process(
        self, block: npt.NDArray[np.float32], notes: Sequence[NoteEvent] = ()
    ) -> npt.NDArray[np.float32]:
        """Process one block shaped (channels, samples); return a new array, input untouched.

        The block must be a C-contiguous ``float32`` ndarray with at least one and at most
        ``MAX_CHANNELS`` channels. Nothing is converted implicitly: use
        ``np.ascontiguousarray(x, dtype=np.float32)``. ``notes`` are ``NoteEvent``s with
        offsets inside the block (``0 <= offset < samples``), passed in time order (a
        stable sort by offset); each reaches the plugin on its exact sample.
        """
        if not isinstance(block, np.ndarray):
            raise TypeError(f"process() takes a numpy array, got {type(block).__name__}")
        if block.dtype != np.dtype(np.float32):
            raise TypeError(
                f"process() takes float32 samples, got {block.dtype}; convert explicitly "
                "with block.astype(np.float32)"
            )
        if block.ndim != 2:
            raise ValueError(
                f"process() takes a 2-D block shaped (channels, samples), got shape "
                f"{block.shape}; for mono use block.reshape(1, -1)"
            )
        channels, samples = block.shape
        if channels < 1:
            raise ValueError("process() needs at least one channel, got shape (0, n)")
        if channels > MAX_CHANNELS:
            raise ValueError(f"process() takes at most {MAX_CHANNELS} channels, got {channels}")
        if samples > _U32_MAX:
            raise ValueError(f"block shape {block.shape} is too large")
        events = checked_notes(notes, samples)
        if not block.flags.c_contiguous:
            raise ValueError(
                "process() takes a C-contiguous block (a transposed or sliced view is not); "
                "use np.ascontiguousarray(block)"
            )
        inst = self._live()
        out = block.copy(order="C")
        if samples == 0:
            return out
        base = self._ffi.from_buffer("float[]", out, require_writable=True)
        rows = self._ffi.new("float *[]", channels)
        for c in range(channels):
            rows[c] = base + c * samples
        raw = self._ffi.new("DevNoteEvent[]", max(len(events), 1))
        fill_events(raw, events)
        self._check("process", self._vt.process(inst, rows, channels, samples, raw, len(events)))
        return out
