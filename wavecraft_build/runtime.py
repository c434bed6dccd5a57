"""Run a built plugin's DSP in-process, numpy in and out, for the plugin author's unit tests.

This loads the plugin library into the *calling* process with cffi (ABI mode) and calls
its ``wavecraft_dev_create_processor`` vtable. That runs plugin code in-process, on
purpose: it is meant for pytest suites that check DSP with numpy. The build tool itself
never uses this module (extraction runs in an isolated child, see ``wavecraft_build.extract``).

    from wavecraft_build.runtime import Processor

    with Processor.load(Path("target/debug/libmy_synth.so")) as proc:
        proc.set_param("gain_level", 0.5)
        out = proc.process(np.zeros((2, 512), dtype=np.float32))
        # An instrument: notes at sample offsets inside the block.
        chord = proc.process(np.zeros((2, 4800), dtype=np.float32),
                             notes=[note_on(60, 0.8), note_on(64, 0.8, offset=240)])

``process`` takes a C-contiguous float32 array shaped (channels, samples) and returns a
new array; anything else is rejected with a clear error rather than converted or
reinterpreted. Libraries are never ``dlclose``d (Rust thread-local destructors would run
against unmapped code); each one stays loaded for the life of the process.

The vtable and processor logic is ``wavecraft_build._dsp_host``, shared with the release
wheel; this module adds loading by path and ``RuntimeLoadError`` for load problems.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cffi import FFI

from wavecraft_build._dsp_host import (
    VTABLE_CDEF,
    VTABLE_VERSION,
    DspPanic,
    DspProcessor,
    open_vtable,
)
from wavecraft_build._dsp_notes import (
    NoteEvent,
    all_notes_off,
    control_change,
    from_midi,
    note_off,
    note_on,
    pitch_bend,
)
from wavecraft_build.errors import RuntimeLoadError
from wavecraft_build.metadata import ExtractionResult, ParameterInfo

__all__ = ["VTABLE_VERSION", "DspPanic", "NoteEvent", "Processor", "all_notes_off",
           "control_change", "from_midi", "load_library", "note_off", "note_on", "pitch_bend"]

_ffi = FFI()
_ffi.cdef(VTABLE_CDEF)

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


class Processor(DspProcessor[ParameterInfo]):
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

        def fail(message: str, hint: str | None) -> RuntimeLoadError:
            return RuntimeLoadError(message, path=self.library, hint=hint)

        vtable = open_vtable(_ffi, load_library(self.library), fail)
        super().__init__(_ffi, vtable, params, sample_rate=sample_rate, fail=fail)

    @classmethod
    def load(
        cls, library: Path, *, sample_rate: float = 48_000.0, timeout: float = 30.0
    ) -> Processor:
        """Extract the parameters (isolated child process), then load ``library``."""
        from wavecraft_build.extract import extract_params

        return cls(library, extract_params(library, timeout=timeout), sample_rate=sample_rate)
