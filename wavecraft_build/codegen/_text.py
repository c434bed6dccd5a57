"""Literal encoders shared by the renderers: the only way content reaches generated source.

Parameter names, units, groups, variants and processor ids are arbitrary strings (quotes,
backslashes, ``*/``, newlines, U+2028, emoji...). They never go into comments and are never
escaped by hand: TypeScript literals come from the JSON encoder with ``ensure_ascii`` (JSON
is a subset of ECMAScript string syntax, and ASCII-only output sidesteps U+2028/U+2029 and
any file-encoding question), Python literals from ``ascii()`` (a valid, equivalent literal
even for astral characters, which JSON would split into surrogate pairs that Python keeps
as two code points).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii

from wavecraft_build.errors import CodegenError
from wavecraft_build.metadata import ID_PATTERN

__all__ = ["check_ids", "check_numbers", "ts_str"]

# ID_PATTERN for a whole newline-joined list in one C call (ids never contain a newline).
_IDS = re.compile(f"(?:{ID_PATTERN.pattern}\n)*")

#: ``"..."`` with every non-ASCII character as ``\\uXXXX``; C-accelerated.
ts_str = encode_basestring_ascii


def check_ids(ids: Sequence[str]) -> None:
    """Raise ``CodegenError`` unless every id matches ``ID_PATTERN``.

    Ids go into JSX attributes and Python identifiers unescaped, so this guards callers
    that build ``ParameterInfo`` by hand (extracted metadata is validated upstream).
    """
    if _IDS.fullmatch("".join(f"{pid}\n" for pid in ids)):
        return
    bad = next(pid for pid in ids if not ID_PATTERN.fullmatch(pid))
    raise CodegenError(f"parameter id {bad!r} must match {ID_PATTERN.pattern}")


def check_numbers(numbers: Sequence[object]) -> None:
    """Raise ``CodegenError`` unless all are finite ints/floats (their repr is a literal)."""
    if set(map(type, numbers)) <= {int, float} and all(map(math.isfinite, numbers)):  # type: ignore[arg-type]
        return
    bad = next(v for v in numbers if type(v) not in (int, float) or not math.isfinite(v))  # type: ignore[arg-type]
    raise CodegenError(f"cannot generate a literal for {bad!r}: numbers must be finite")
