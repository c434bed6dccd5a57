"""How a parameter list is printed: the aligned table, and the exact ``--json`` text.

``json_text`` is the one definition of ``extract --json``'s text, for canonical dicts
(``_schema.canonical``); ``printed_json`` is the same text for the metadata classes. The
cache stores it next to each entry, so a hit prints it byte for byte.
"""

from __future__ import annotations

import json
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    from typing import Any

    from wavecraft_build.metadata import ExtractionResult

__all__ = ["format_table", "json_text", "print_result", "printed_json"]


def printed_json(result: ExtractionResult) -> str:
    """The parameter list as ``extract --json`` prints it (one definition for both paths)."""
    return json_text([p.to_json() for p in result.parameters])


def json_text(parameters: list[dict[str, Any]]) -> str:
    """``extract --json``'s text for canonical parameter dicts (``_schema.canonical``)."""
    return json.dumps(parameters, indent=2) + "\n"


def _number(value: float) -> str:
    return f"{value:g}"


def format_table(result: ExtractionResult) -> str:
    """A readable, aligned table of parameters (plain text, no terminal codes)."""
    head = ("id", "name", "type", "range", "default", "unit", "group")
    rows = [head]
    for p in result.parameters:
        if p.type == "enum" and p.variants:
            rng = " | ".join(p.variants)
            default = p.variants[int(p.default)]
        elif p.type == "bool":
            rng, default = "off/on", "on" if p.default else "off"
        else:
            rng = f"{_number(p.min)} .. {_number(p.max)}"
            default = _number(p.default)
        rows.append((p.id, p.name, p.type, rng, default, p.unit or "", p.group or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    procs = ", ".join(p.id for p in result.processors)
    footer = f"{len(result.parameters)} parameters" + (f"; processors: {procs}" if procs else "")
    return "\n".join([*lines, footer])


def print_result(result: ExtractionResult, as_json: bool) -> None:
    sys.stdout.write(printed_json(result) if as_json else format_table(result) + "\n")
