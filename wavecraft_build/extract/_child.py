"""The extraction child: load one plugin library, call its getters, report over a side fd.

Runs as ``python -I -S _child.py FD PARENT_PID SYS_PATH...`` in its own process group and
reads the library path from stdin, so it can be started (and cffi imported) before the
library exists; nothing of the plugin is touched before the path arrives.
It must stay tiny and import almost nothing: its start-up time is most of a cold
extraction. Plugin code may print anything on stdout/stderr (the parent points both at a
log file); results travel only as frames on FD: one tag byte, a 4-byte big-endian length,
the payload. Tags: S = stage about to run, P = params JSON bytes, Q = params getter
returned NULL, R = processors JSON bytes, N = no processors getter, E = load/symbol error.
It never parses the JSON and never dlcloses: it exits with os._exit right after the calls.
"""

import os
import sys

PR_SET_PDEATHSIG = 1
SIGKILL = 9
RTLD_NOW = 2


def main() -> None:
    fd_text, parent_text, *paths = sys.argv[1:]
    sys.path[:0] = paths
    out = int(fd_text)

    def frame(tag: bytes, payload: bytes) -> None:
        data = tag + len(payload).to_bytes(4, "big") + payload
        while data:
            data = data[os.write(out, data) :]

    from _wavecraft_ffi import ffi  # generated out-of-line ABI module: no cdef parsing

    if sys.platform.startswith("linux"):
        # Die with the parent even if it is SIGKILLed, then close the race with getppid.
        ffi.dlopen(None).prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
        if os.getppid() != int(parent_text):
            os._exit(1)

    chunks = []
    while chunk := os.read(0, 65536):
        chunks.append(chunk)
    if not chunks:
        os._exit(0)  # discarded before use
    lib_path = os.fsdecode(b"".join(chunks))

    frame(b"S", b"dlopen")
    try:
        lib = ffi.dlopen(lib_path, RTLD_NOW)
    except OSError as exc:
        frame(b"E", b"load\0" + str(exc).encode("utf-8", "replace"))
        os._exit(0)

    def call(name: str, tag: bytes) -> None:
        try:
            getter = getattr(lib, name)
        except AttributeError:
            if tag == b"R":
                frame(b"N", b"")
                return
            frame(b"E", b"symbol\0" + name.encode())
            os._exit(0)
        frame(b"S", name.encode())
        ptr = getter()
        if ptr == ffi.NULL:
            frame(b"Q" if tag == b"P" else b"N", b"")
            return
        try:
            data = ffi.string(ptr)
        finally:
            frame(b"S", b"wavecraft_free_string")
            lib.wavecraft_free_string(ptr)
        frame(tag, data)

    try:
        lib.wavecraft_free_string  # noqa: B018 - resolve before any getter runs
    except AttributeError:
        frame(b"E", b"symbol\0wavecraft_free_string")
        os._exit(0)
    call("wavecraft_get_params_json", b"P")
    call("wavecraft_get_processors_json", b"R")
    frame(b"S", b"done")
    sys.stdout.flush()
    os._exit(0)


main()
