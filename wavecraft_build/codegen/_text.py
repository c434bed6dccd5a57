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
from json.encoder import encode_basestring_ascii

from wavecraft_build.errors import CodegenError

__all__ = ["py_num", "py_str", "ts_num", "ts_str"]

#: ``"..."`` with every non-ASCII character as ``\\uXXXX``; C-accelerated.
ts_str = encode_basestring_ascii


def ts_num(value: float) -> str:
    """A finite number as a TypeScript literal (``repr`` of int/float is valid ECMAScript)."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise CodegenError(f"cannot generate a literal for non-finite number {value!r}")
    return float.__repr__(value)


def py_str(value: str) -> str:
    """A Python string literal equal to ``value``, ASCII only."""
    return ascii(value)


def py_num(value: float) -> str:
    """A finite number as a Python float literal."""
    number = float(value)
    if not math.isfinite(number):
        raise CodegenError(f"cannot generate a literal for non-finite number {value!r}")
    return repr(number)
