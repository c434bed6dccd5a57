"""The extraction child: load one plugin library, call its getters, report over a side fd.

Runs as ``python -I -S _child.py FD PARENT_PID SYS_PATH...`` in its own process group and
reads the library path from stdin, so it can be started (and cffi imported) before the
library exists; nothing of the plugin is touched before the path arrives.
It must stay tiny and import almost nothing: its start-up time is most of a cold
extraction. Plugin code may print anything on stdout/stderr (the parent points both at a
log file); results travel only as frames on FD (``_frames`` says what each tag means).
It never parses the JSON and never dlcloses: it exits with os._exit right after the calls.
An error in this script's own code is reported as such (``INTERNAL_ERROR``), never
blamed on the plugin.
"""

import os
import sys

PR_SET_PDEATHSIG = 1
SIGKILL = 9
RTLD_NOW = 2
REQUIRED = ("wavecraft_free_string", "wavecraft_get_params_json")
GETTERS = ("wavecraft_get_processors_json",)


def main(out: int, parent_pid: int) -> None:
    import _frames
    from _wavecraft_ffi import ffi  # generated out-of-line ABI module: no cdef parsing

    def frame(tag: bytes, payload: bytes = b"") -> None:
        data = _frames.encode(tag, payload)
        while data:
            data = data[os.write(out, data) :]

    if sys.platform.startswith("linux"):
        # Die with the parent even if it is SIGKILLed, then close the race with getppid.
        ffi.dlopen(None).prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(1)

    chunks = []
    while chunk := os.read(0, 65536):
        chunks.append(chunk)
    if not chunks:
        os._exit(0)  # discarded before use
    lib_path = os.fsdecode(b"".join(chunks))

    frame(_frames.STAGE, b"dlopen")
    try:
        lib = ffi.dlopen(lib_path, RTLD_NOW)
    except OSError as exc:
        frame(_frames.LOAD_ERROR, str(exc).encode("utf-8", "replace"))
        os._exit(0)

    def exported(name: str) -> bool:
        """cffi raises ffi.error (not AttributeError) for a symbol the library lacks."""
        try:
            getattr(lib, name)
        except (AttributeError, ffi.error):
            return False
        return True

    # Resolved before any getter runs; typed by cffi (Any), so no typing import here.
    symbols = {name: getattr(lib, name) for name in (*REQUIRED, *GETTERS) if exported(name)}
    for name in REQUIRED:
        if name not in symbols:
            frame(_frames.SYMBOL_MISSING, name.encode())
            os._exit(0)

    def call(name: str, found: bytes, null: bytes) -> None:
        getter = symbols.get(name)
        if getter is None:
            frame(null)
            return
        frame(_frames.STAGE, name.encode())
        ptr = getter()
        if ptr == ffi.NULL:
            frame(null)
            return
        try:
            data = ffi.string(ptr, _frames.MAX_PAYLOAD + 1)  # stops there: no huge copy
        finally:
            frame(_frames.STAGE, b"wavecraft_free_string")
            lib.wavecraft_free_string(ptr)
        if len(data) > _frames.MAX_PAYLOAD:
            frame(_frames.TOO_LARGE, name.encode())
        else:
            frame(found, data)

    call("wavecraft_get_params_json", _frames.PARAMS, _frames.PARAMS_NULL)
    call("wavecraft_get_processors_json", _frames.PROCESSORS, _frames.NO_PROCESSORS)
    frame(_frames.STAGE, b"done")
    sys.stdout.flush()
    os._exit(0)


def _report_internal_error(out: int) -> None:
    """Our own bug: send the traceback as an INTERNAL_ERROR frame, exit distinctly."""
    import traceback

    text = traceback.format_exc().encode("utf-8", "replace")
    try:
        import _frames

        data = _frames.encode(_frames.INTERNAL_ERROR, text)
        while data:
            data = data[os.write(out, data) :]
    finally:
        os._exit(70)


if __name__ == "__main__":
    fd_text, parent_text, *paths = sys.argv[1:]
    sys.path[:0] = paths
    try:
        main(int(fd_text), int(parent_text))
    except BaseException:
        _report_internal_error(int(fd_text))
