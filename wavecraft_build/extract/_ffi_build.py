"""Generates ``_wavecraft_ffi.py``, the out-of-line cffi ABI module the child imports.

Out-of-line ABI mode means the C declarations are parsed once, here, at development time;
the child then imports a small generated module that needs only ``_cffi_backend`` (no
pycparser, no cdef parsing per extraction). Regenerate with
``python -m wavecraft_build.extract._ffi_build``; a test checks the committed file is current.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import cffi

MODULE = "_wavecraft_ffi"

CDEF = """
char *wavecraft_get_params_json(void);
char *wavecraft_get_processors_json(void);
void wavecraft_free_string(char *s);
int prctl(int option, unsigned long arg2, unsigned long arg3,
          unsigned long arg4, unsigned long arg5);
"""


def render() -> str:
    ffibuilder = cffi.FFI()
    ffibuilder.cdef(CDEF)
    ffibuilder.set_source(MODULE, None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(ffibuilder.compile(tmpdir=tmp))
        return out.read_text()


def main() -> int:
    target = Path(__file__).with_name(f"{MODULE}.py")
    target.write_text(render())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
