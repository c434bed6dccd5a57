"""The parent's second half: the child's bytes -> checked parameters, within the deadline.

``RawExtraction`` is what the child answered, byte for byte; ``decode_canonical`` checks it
(UTF-8, JSON, then ``_schema``) and returns canonical dicts, ``decode`` the metadata classes.
The extraction's ``--timeout`` covers this half too: the deadline set when the child got the
library's path is checked after decoding and after the schema check.
"""

from __future__ import annotations

import math
import time

from wavecraft_build import _schema
from wavecraft_build.errors import ExtractionTimeout, InvalidJson, InvalidUtf8

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    import os
    from typing import Any

    from wavecraft_build.metadata import ExtractionResult

    StrPath = str | os.PathLike[str]

__all__ = ["RawExtraction", "decode", "decode_canonical"]


class RawExtraction:
    """Bytes exactly as the getters returned them (None: getter absent or returned NULL).

    ``deadline`` (``time.monotonic``) is when the extraction's ``timeout`` runs out: the
    decoding and the schema check that follow the child count against it too.
    """

    __slots__ = ("deadline", "log", "params", "processors", "timeout")

    def __init__(self, params: bytes | None, processors: bytes | None, log: str, *,
                 deadline: float = math.inf, timeout: float = math.inf) -> None:
        self.params = params
        self.processors = processors
        self.log = log
        self.deadline = deadline
        self.timeout = timeout


def _decode_json(data: bytes, what: str, lib: StrPath) -> Any:
    import json  # here: a pre-started child should not wait for it

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidUtf8(
            f"{what} returned bytes that are not UTF-8 (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start})",
            path=lib,
            hint="build the JSON with serde_json / String and return it via CString::new",
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidJson(
            f"{what} returned invalid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno} (char {exc.pos})",
            path=lib,
            hint="serialise with serde_json instead of formatting JSON by hand",
        ) from None


def decode_canonical(
    raw: RawExtraction, lib: StrPath
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Decode and check the child's bytes (UTF-8, JSON, schema): canonical dicts.

    The CLI's cold ``extract --json`` prints these directly; ``decode`` builds the classes.
    """
    if raw.params is None:
        raise InvalidJson(
            "wavecraft_get_params_json returned NULL",
            path=lib,
            hint="return a JSON array (`[]` for no parameters), never a null pointer",
        )
    params = _decode_json(raw.params, "wavecraft_get_params_json", lib)
    processors = (
        _decode_json(raw.processors, "wavecraft_get_processors_json", lib)
        if raw.processors is not None
        else None
    )
    _check_deadline(raw, "decoding", lib)
    checked = _schema.check(params, processors, source=lib)
    _check_deadline(raw, "checking", lib)
    return checked


def _check_deadline(raw: RawExtraction, stage: str, lib: StrPath) -> None:
    if time.monotonic() > raw.deadline:
        raise ExtractionTimeout(
            f"the extraction did not finish within {raw.timeout:g} s (it ran out while "
            f"{stage} the parameters)",
            path=lib,
            hint="the plugin answered, but its parameter list took too long to read; raise "
            "--timeout if it is really that large",
        )


def decode(raw: RawExtraction, lib: StrPath) -> ExtractionResult:
    """Decode and validate the child's bytes: UTF-8, JSON, then the schema."""
    from wavecraft_build.metadata import from_canonical

    return from_canonical(*decode_canonical(raw, lib))
