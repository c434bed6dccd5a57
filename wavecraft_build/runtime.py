"""Run a built plugin's DSP in-process, numpy in and out, for the plugin author's unit tests.

This loads the plugin library into the *calling* process with cffi (ABI mode) and calls
its ``wavecraft_dev_create_processor`` vtable. That runs plugin code in-process, on
purpose: it is meant for pytest suites that check DSP with numpy. The build tool itself
never uses this module (extraction runs in an isolated child, see ``wavecraft_build.extract``).

    from wavecraft_build.runtime import Processor

    with Processor.load(Path("target/debug/libmy_synth.so")) as proc:
        proc.set_param("gain_level", 0.5)
        out = proc.process(np.zeros((2, 512), dtype=np.float32))

``process`` takes a C-contiguous float32 array shaped (channels, samples) and returns a
new array; anything else is rejected with a clear error rather than converted or
reinterpreted. Libraries are never ``dlclose``d (Rust thread-local destructors would run
against unmapped code); each one stays loaded for the life of the process.
"""

from __future__ import annotations

import difflib
import math
import threading
import weakref
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from cffi import FFI

from wavecraft_build.errors import RuntimeLoadError
from wavecraft_build.metadata import ExtractionResult, ParameterInfo

__all__ = ["VTABLE_VERSION", "Processor", "load_library"]

#: The DevProcessorVTable layout this module speaks.
VTABLE_VERSION: Final = 2
_SYMBOL = "wavecraft_dev_create_processor"
_U32_MAX = 2**32 - 1

_ffi = FFI()
_ffi.cdef(
    """
    typedef struct {
        uint32_t version;
        void *(*create)(void);
        void (*process)(void *, float **, uint32_t, uint32_t);
        void (*apply_plain_values)(void *, const float *, size_t);
        void (*set_sample_rate)(void *, float);
        void (*reset)(void *);
        void (*drop)(void *);
    } DevProcessorVTable;
    DevProcessorVTable wavecraft_dev_create_processor(void);
    """
)

# Loaded libraries, by resolved path, kept for the life of the process: never dlclose.
_LIBRARIES: dict[Path, Any] = {}
_LOCK = threading.Lock()


def load_library(path: Path) -> Any:
    """dlopen ``path`` once per process (cffi ABI mode) and keep it loaded forever."""
    resolved = Path(path).resolve()
    with _LOCK:
        lib = _LIBRARIES.get(resolved)
        if lib is None:
            if not resolved.is_file():
                raise RuntimeLoadError(
                    "plugin library not found",
                    path=resolved,
                    hint="build the plugin first (wavecraft-build build)",
                )
            try:
                lib = _ffi.dlopen(str(resolved))
            except OSError as exc:
                raise RuntimeLoadError(
                    f"cannot load plugin library: {exc}",
                    path=resolved,
                    hint="check that it was built for this platform and architecture",
                ) from exc
            _LIBRARIES[resolved] = lib
    return lib


def _vtable(lib: Any, path: Path) -> Any:
    try:
        getter = getattr(lib, _SYMBOL)
    except AttributeError as exc:
        raise RuntimeLoadError(
            f"symbol {_SYMBOL} missing",
            path=path,
            hint="build with the _param-discovery feature, and export the dev processor "
            "(wavecraft's plugin macro does this)",
        ) from exc
    vt = getter()
    if vt.version != VTABLE_VERSION:
        raise RuntimeLoadError(
            f"DevProcessorVTable version mismatch: expected {VTABLE_VERSION}, got {vt.version}",
            path=path,
            hint="rebuild the plugin against a wavecraft SDK that matches this wavecraft-build",
        )
    for name in ("create", "process", "apply_plain_values", "set_sample_rate", "reset", "drop"):
        if getattr(vt, name) == _ffi.NULL:
            raise RuntimeLoadError(f"DevProcessorVTable.{name} is null", path=path)
    return vt


def _drop(vt: Any, inst: Any) -> None:
    vt.drop(inst)


class Processor:
    """One processor instance of a built plugin; a context manager that drops it on exit.

    ``parameters`` are the plugin's parameters in declaration order (the order
    ``apply_plain_values`` expects), e.g. the ``ExtractionResult`` from the build cache.
    Every parameter starts at its default, which is applied on construction.
    """

    def __init__(
        self,
        library: Path,
        parameters: ExtractionResult | Iterable[ParameterInfo],
        *,
        sample_rate: float = 48_000.0,
    ) -> None:
        params = (
            parameters.parameters if isinstance(parameters, ExtractionResult) else tuple(parameters)
        )
        self.library = Path(library).resolve()
        self._specs: dict[str, ParameterInfo] = {p.id: p for p in params}
        self._index = {p.id: i for i, p in enumerate(params)}
        self._values = _ffi.new("float[]", max(len(params), 1))
        for i, p in enumerate(params):
            self._values[i] = p.default
        self._n_values = len(params)
        self._vt = _vtable(load_library(self.library), self.library)
        inst = self._vt.create()
        if inst == _ffi.NULL:
            raise RuntimeLoadError("DevProcessorVTable.create returned null", path=self.library)
        self._inst = inst
        # Exactly one drop: on close(), or when the object is collected, or at exit.
        self._finalizer = weakref.finalize(self, _drop, self._vt, inst)
        self._apply()
        self.set_sample_rate(sample_rate)

    @classmethod
    def load(
        cls, library: Path, *, sample_rate: float = 48_000.0, timeout: float = 30.0
    ) -> Processor:
        """Extract the parameters (isolated child process), then load ``library``."""
        from wavecraft_build.extract import extract_params

        return cls(library, extract_params(library, timeout=timeout), sample_rate=sample_rate)

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Drop the plugin's instance (once; later calls do nothing)."""
        self._finalizer()

    def __enter__(self) -> Processor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _live(self) -> Any:
        if not self._finalizer.alive:
            raise RuntimeError("this Processor is closed")
        return self._inst

    # -- parameters --------------------------------------------------------------------

    @property
    def parameters(self) -> tuple[ParameterInfo, ...]:
        return tuple(self._specs.values())

    @property
    def values(self) -> dict[str, float]:
        """The plain value of each parameter, as last applied."""
        return {pid: float(self._values[i]) for pid, i in self._index.items()}

    def _spec(self, pid: str) -> ParameterInfo:
        try:
            # A generated ParamId member is a str whose value is the id.
            return self._specs[pid.value if isinstance(pid, Enum) else pid]
        except KeyError:
            close = difflib.get_close_matches(str(pid), list(self._specs), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"unknown parameter id {pid!r}{hint}") from None

    def _checked(self, p: ParameterInfo, value: float | bool | str) -> float:
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

    def set_param(self, pid: str, value: float | bool | str) -> None:
        """Set one parameter's plain value (range-checked) and apply it to the processor.

        Bool parameters take False/True or 0/1, enum parameters a variant index or name.
        """
        self.set_params({pid: value})

    def set_params(self, values: Mapping[str, float | bool | str]) -> None:
        """Set several parameters at once; nothing is applied if any value is invalid."""
        checked = [(self._spec(pid), v) for pid, v in values.items()]
        numbers = [(self._index[p.id], self._checked(p, v)) for p, v in checked]
        self._live()
        for i, number in numbers:
            self._values[i] = number
        self._apply()

    def _apply(self) -> None:
        self._vt.apply_plain_values(self._live(), self._values, self._n_values)

    # -- processing --------------------------------------------------------------------

    def set_sample_rate(self, sample_rate: float) -> None:
        """Tell the processor the sample rate (positive and finite, in Hz)."""
        number = float(sample_rate)
        if not math.isfinite(number) or number <= 0:
            raise ValueError(f"sample rate must be positive and finite, got {sample_rate!r}")
        self._vt.set_sample_rate(self._live(), number)

    def reset(self) -> None:
        """Clear the processor's internal state (delay lines, envelopes...)."""
        self._vt.reset(self._live())

    def process(self, block: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Process one block shaped (channels, samples); return a new array, input untouched.

        The block must be a C-contiguous ``float32`` ndarray with at least one channel.
        Nothing is converted implicitly: use ``np.ascontiguousarray(x, dtype=np.float32)``.
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
        if channels > _U32_MAX or samples > _U32_MAX:
            raise ValueError(f"block shape {block.shape} is too large")
        if not block.flags.c_contiguous:
            raise ValueError(
                "process() takes a C-contiguous block (a transposed or sliced view is not); "
                "use np.ascontiguousarray(block)"
            )
        inst = self._live()
        out = block.copy(order="C")
        if samples == 0:
            return out
        base = _ffi.from_buffer("float[]", out, require_writable=True)
        rows = _ffi.new("float *[]", channels)
        for c in range(channels):
            rows[c] = base + c * samples
        self._vt.process(inst, rows, channels, samples)
        return out
