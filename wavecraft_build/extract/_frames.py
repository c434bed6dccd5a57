"""The extraction child's report format, written down once for both ends.

The child (``_child.py``, which imports this file as a top-level module because it runs
with ``-I -S``) sends frames on an inherited file descriptor; the parent reads them back
with ``split``. A frame is one tag byte, a 4-byte big-endian payload length, the payload.
This module imports nothing: it is on the child's start-up path.
"""

STAGE = b"S"
"""Payload: the name of the call about to run (``dlopen``, a getter, ``done``)."""
PARAMS = b"P"
"""Payload: the bytes ``wavecraft_get_params_json`` returned."""
PARAMS_NULL = b"Q"
"""``wavecraft_get_params_json`` returned NULL (empty payload)."""
PROCESSORS = b"R"
"""Payload: the bytes ``wavecraft_get_processors_json`` returned."""
NO_PROCESSORS = b"N"
"""The optional processors getter is absent or returned NULL (empty payload)."""
LOAD_ERROR = b"L"
"""Payload: dlopen's error message."""
SYMBOL_MISSING = b"M"
"""Payload: the name of a required symbol the library does not export."""
TOO_LARGE = b"T"
"""Payload: the name of a getter whose answer is longer than ``MAX_PAYLOAD`` (not sent)."""
INTERNAL_ERROR = b"X"
"""Payload: the traceback of an error in the child's own code (a bug of this tool)."""

HEADER = 5
MAX_PAYLOAD = 16 * 1024 * 1024
"""The longest getter answer the child forwards: 16 MiB (10,000 parameters take ~1.5 MiB)."""


def encode(tag: bytes, payload: bytes) -> bytes:
    return tag + len(payload).to_bytes(4, "big") + payload


def split(data: bytes) -> list[tuple[bytes, bytes]]:
    """(tag, payload) pairs; a frame cut short by a kill is dropped, not misread."""
    out: list[tuple[bytes, bytes]] = []
    pos = 0
    while pos + HEADER <= len(data):
        size = int.from_bytes(data[pos + 1 : pos + HEADER], "big")
        if pos + HEADER + size > len(data):
            break
        out.append((data[pos : pos + 1], data[pos + HEADER : pos + HEADER + size]))
        pos += HEADER + size
    return out
